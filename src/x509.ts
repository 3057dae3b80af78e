// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata polyfill loaded
// before it; importing x509 only through this module keeps that ordering in one place.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as Crypto);

export { x509 };
