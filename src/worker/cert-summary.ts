import { x509 } from '../x509.ts';

/** What the final "issued" message shows of a certificate. */
export interface CertificateSummary {
  subject: string;
  sans: string[];
  notAfter: Date;
  serial: string;
  /** SHA-256 of the DER, colon-separated upper-case hex (as browsers show it). */
  sha256: string;
}

/** Parses an issued certificate (the first PEM block of the chain CAS returns). */
export async function summariseCertificate(pem: string): Promise<CertificateSummary> {
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0] ?? pem;
  const cert = new x509.X509Certificate(first);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const thumbprint = Buffer.from(await cert.getThumbprint('SHA-256'));
  return {
    subject: cert.subject,
    sans: san?.names.items.map((n) => n.value) ?? [],
    notAfter: cert.notAfter,
    serial: cert.serialNumber.toUpperCase(),
    sha256: [...thumbprint].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':'),
  };
}
