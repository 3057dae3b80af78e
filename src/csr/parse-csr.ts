import { AppError } from '../errors.ts';
import { x509 } from '../x509.ts';
import type { CsrSummary } from './csr-summary.ts';

/** Longest CSR text accepted (a 4096-bit RSA CSR with many SANs stays well below). */
export const maxCsrChars = 10_000;

const privateKeyPattern =
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----|PRIVATE KEY-----|-----BEGIN OPENSSH PRIVATE KEY/i;
const certificatePattern = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----/;
const csrPattern =
  /-----BEGIN (NEW )?CERTIFICATE REQUEST-----([\s\S]*?)-----END (NEW )?CERTIFICATE REQUEST-----/;

/** The answer to a pasted private key: it is neither echoed nor kept. */
export const privateKeyWarning =
  ':warning: That contains a *private key*. It was not stored, logged or posted, but treat it as exposed: delete your message and generate a new key. Paste only the certificate request (-----BEGIN CERTIFICATE REQUEST-----).';

/** A CSR, checked and summarised. */
export interface ParsedCsr {
  /** Canonical PEM (64-column lines), as sent to CAS. */
  pem: string;
  summary: CsrSummary;
}

function invalid(message: string): AppError {
  return new AppError('CSR_INVALID', message);
}

/** Whether text contains something that looks like a private key (it is then refused and never echoed). */
export function looksLikePrivateKey(text: string): boolean {
  return privateKeyPattern.test(text);
}

/**
 * Restores a PEM whose line breaks became spaces (Slack does that to pasted text, and Alibaba's own example
 * shows it), from the first BEGIN … END CERTIFICATE REQUEST block in `text`.
 */
export function restoreCsrPem(text: string): string | undefined {
  const match = csrPattern.exec(text);
  if (!match) return undefined;
  const body = (match[2] ?? '').replace(/\s+/g, '');
  const lines = body.match(/.{1,64}/g) ?? [];
  return ['-----BEGIN CERTIFICATE REQUEST-----', ...lines, '-----END CERTIFICATE REQUEST-----'].join('\n');
}

function describeKey(publicKey: x509.PublicKey): string {
  const algorithm = publicKey.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  if (algorithm.name === 'ECDSA' || algorithm.name === 'ECDH') {
    if (algorithm.namedCurve !== 'P-256' && algorithm.namedCurve !== 'P-384') {
      throw invalid(
        `The CSR's EC key is on curve ${algorithm.namedCurve ?? 'unknown'}; CAS accepts P-256 or P-384.`,
      );
    }
    return `ECDSA ${algorithm.namedCurve}`;
  }
  if (algorithm.name.startsWith('RSA')) {
    const bits = algorithm.modulusLength ?? 0;
    if (bits < 2048) throw invalid(`The CSR's RSA key has ${bits} bits; use at least 2048.`);
    return `RSA ${bits}`;
  }
  throw invalid(
    `The CSR's key type (${algorithm.name}) is not accepted; use RSA ≥ 2048 or ECDSA P-256/P-384.`,
  );
}

/**
 * Parses pasted or uploaded CSR text. Refuses private keys and certificates (without echoing them), checks the
 * self-signature and the key (RSA ≥ 2048, ECDSA P-256/P-384), and summarises CN, SANs and key.
 */
export async function parseCsr(text: string): Promise<ParsedCsr> {
  if (looksLikePrivateKey(text)) {
    throw invalid(privateKeyWarning);
  }
  if (text.length > maxCsrChars)
    throw invalid(`The CSR is too long (${text.length} characters; at most ${maxCsrChars}).`);
  const pem = restoreCsrPem(text);
  if (pem === undefined) {
    if (certificatePattern.test(text)) {
      throw invalid(
        'That is a certificate, not a certificate request. Paste the CSR (-----BEGIN CERTIFICATE REQUEST-----).',
      );
    }
    throw invalid(
      'No certificate request found: paste a PEM CSR from -----BEGIN CERTIFICATE REQUEST----- to -----END CERTIFICATE REQUEST-----.',
    );
  }
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch {
    throw invalid('The certificate request is not valid PEM/DER (was it cut short?).');
  }
  let signatureOk = false;
  try {
    signatureOk = await csr.verify();
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) throw invalid("The CSR's self-signature does not verify: it was altered or is corrupt.");
  const key = describeKey(csr.publicKey);
  const commonName = csr.subjectName.getField('CN')[0] ?? '';
  if (commonName === '')
    throw invalid('The CSR has no common name (CN); CAS needs CN = the domain to certify.');
  const sanExtension = csr.getExtension('2.5.29.17');
  const sans =
    sanExtension instanceof x509.SubjectAlternativeNameExtension
      ? sanExtension.names.items.filter((n) => n.type === 'dns' || n.type === 'ip').map((n) => n.value)
      : [];
  return { pem, summary: { commonName, sans, key } };
}
