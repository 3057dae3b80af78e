import type { SimAction } from './actions.ts';
import { certificateBody } from './instance-actions.ts';
import type { SimParams } from './params.ts';
import type { IssuedCertificate, SimCa } from './sim-ca.ts';
import type { SimSubscription, SimSubscriptionCertificate } from './subscription-model.ts';
import type { SubscriptionStore } from './subscriptions.ts';

/**
 * The certificates V2 subscriptions issued, as real X.509 certificates (made once, on first use, by the simulator's
 * CA): what GetUserCertificateDetail returns for their IDs, what a deployment installs and what a TLS endpoint
 * serves. The key is the simulator's unless the application carried the requester's CSR.
 */
export function createSubscriptionCertificates(subs: SubscriptionStore, ca: SimCa) {
  const made = new Map<string, Promise<IssuedCertificate>>();
  const find = (certId: string): { sub: SimSubscription; cert: SimSubscriptionCertificate } | undefined => {
    for (const sub of subs.all()) {
      const cert = sub.certificates.find((c) => c.certificateId === certId);
      if (cert) return { sub, cert };
    }
    return undefined;
  };
  const issued = (found: { sub: SimSubscription; cert: SimSubscriptionCertificate }) => {
    const { sub, cert } = found;
    let pem = made.get(cert.certificateId);
    if (!pem) {
      pem = ca.issue({
        domain: sub.domain,
        csrPem: sub.application?.csr,
        notBefore: new Date(cert.notBefore),
        notAfter: new Date(cert.notAfter),
        serial: BigInt(cert.certificateId).toString(16).padStart(2, '0'),
      });
      made.set(cert.certificateId, pem);
    }
    return pem;
  };
  return {
    exists: (certId: string) => find(certId) !== undefined,
    domain: (certId: string) => find(certId)?.sub.domain,
    /** The certificate and its key as a server serves it; undefined when unknown or the key is the requester's. */
    async servable(certId: string): Promise<{ certificatePem: string; privateKeyPem: string } | undefined> {
      const found = find(certId);
      if (!found) return undefined;
      const { certificatePem, privateKeyPem } = await issued(found);
      return privateKeyPem ? { certificatePem, privateKeyPem } : undefined;
    },
    /** GetUserCertificateDetail for a subscription's certificate, else `orders` (the V1 certificates). */
    certificateDetail(orders: SimAction): SimAction {
      return async (params: SimParams) => {
        const found = find(params.CertId ?? '');
        if (!found) return orders(params);
        const owner = { domain: found.sub.domain, instanceId: found.sub.instanceId };
        return certificateBody(
          found.cert.certificateId,
          owner,
          await issued(found),
          params.CertFilter === 'true',
        );
      };
    },
  };
}
