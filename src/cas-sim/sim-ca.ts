import { webcrypto } from 'node:crypto';
import { x509 } from '../x509.ts';

const subjectAltNameOid = '2.5.29.17';
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A certificate the simulated CA issued; `privateKeyPem` only when the simulator made the key (no CSR given). */
export interface IssuedCertificate {
  certificatePem: string;
  privateKeyPem: string | undefined;
}

/** A throwaway CA that issues real X.509 certificates, so that callers can parse what the simulator returns. */
export interface SimCa {
  issue(input: {
    domain: string;
    csrPem?: string | undefined;
    notBefore: Date;
    notAfter: Date;
    serial: string;
  }): Promise<IssuedCertificate>;
}

/** Whether a string parses as a PKCS#10 CSR (the simulator rejects a renew whose Csr does not). */
export function isParsableCsr(pem: string): boolean {
  try {
    new x509.Pkcs10CertificateRequest(pem);
    return true;
  } catch {
    return false;
  }
}

/** Creates the simulator's CA; its key pair is made on first use. */
export function createSimCa(): SimCa {
  let ca: Promise<{ keys: CryptoKeyPair; name: string }> | undefined;
  const caKeys = () => {
    ca ??= (async () => ({
      keys: (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as CryptoKeyPair,
      name: 'CN=CAS Simulator Test CA, O=certbot simulator',
    }))();
    return ca;
  };
  return {
    async issue({ domain, csrPem, notBefore, notAfter, serial }) {
      const { keys, name } = await caKeys();
      let publicKey: CryptoKey;
      let privateKeyPem: string | undefined;
      let sans = [domain];
      if (csrPem !== undefined) {
        const csr = new x509.Pkcs10CertificateRequest(csrPem);
        publicKey = await csr.publicKey.export();
        const sanExt = csr.getExtension(subjectAltNameOid);
        const csrSans =
          sanExt instanceof x509.SubjectAlternativeNameExtension
            ? sanExt.names.items.filter((n) => n.type === 'dns').map((n) => n.value)
            : [];
        if (csrSans.length > 0) sans = csrSans;
      } else {
        const leaf = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as CryptoKeyPair;
        publicKey = leaf.publicKey;
        const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', leaf.privateKey);
        privateKeyPem = x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
      }
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial,
        subject: `CN=${domain}`,
        issuer: name,
        notBefore,
        notAfter,
        signingAlgorithm: ecdsa,
        publicKey,
        signingKey: keys.privateKey,
        extensions: [
          new x509.SubjectAlternativeNameExtension(sans.map((value) => ({ type: 'dns' as const, value }))),
        ],
      });
      return { certificatePem: cert.toString('pem'), privateKeyPem };
    },
  };
}
