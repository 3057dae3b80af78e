import { webcrypto } from 'node:crypto';
import { x509 } from '../../src/x509.ts';

/** Makes a real PKCS#10 CSR (and keeps its key out of the result: tests never need it). */
export async function makeCsr(options: {
  commonName: string;
  sans?: string[];
  key?: 'ec-p256' | 'ec-p384' | 'rsa-2048' | 'rsa-1024';
}): Promise<string> {
  const kind = options.key ?? 'ec-p256';
  const algorithm = kind.startsWith('ec')
    ? { name: 'ECDSA', namedCurve: kind === 'ec-p384' ? 'P-384' : 'P-256', hash: 'SHA-256' }
    : {
        name: 'RSASSA-PKCS1-v1_5',
        hash: 'SHA-256',
        publicExponent: new Uint8Array([1, 0, 1]),
        modulusLength: kind === 'rsa-1024' ? 1024 : 2048,
      };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${options.commonName}`,
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.SubjectAlternativeNameExtension(
        (options.sans ?? [options.commonName]).map((value) => ({ type: 'dns' as const, value })),
      ),
    ],
  });
  return csr.toString('pem');
}
