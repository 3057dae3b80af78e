import { X509Certificate } from 'node:crypto';

const firstPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/**
 * The SHA-256 fingerprint of a certificate, from its PEM (the first block of a chain): the hash of its DER,
 * colon-separated upper-case hex, as a TLS peer's `fingerprint256`. CAS's own `Sha2` field is not defined
 * precisely enough to compare with what an endpoint serves (reference §8), so fingerprints are always computed.
 */
export function pemFingerprint256(pem: string): string {
  const block = firstPem.exec(pem)?.[0];
  if (!block) throw new TypeError('no PEM certificate block');
  return new X509Certificate(block).fingerprint256;
}
