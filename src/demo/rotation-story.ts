import type { SimSeed } from '../cas-sim/seed.ts';
import { type Played, playRequest } from './play.ts';
import type { Stage } from './stage.ts';

// The V2 story: a subscription instance whose certificate ran 170 of its 200 days (at the 15% lifetime threshold)
// is alerted by the scan, then rotated: a free rotation card, one ApplyCertificate and no Renew call, the
// application task, DNS validation, a new CertificateId on the same subscription, and the deployment to the
// resources serving the previous certificate.

const day = 86_400_000;

/** The subscription the story rotates, and its current certificate. */
export interface RotationCast {
  instanceId: string;
  domain: string;
  certId: string;
}

export const rotationCast: RotationCast = {
  instanceId: 'cas-ivauto-rot1',
  domain: 'pay.example.com',
  certId: '900000001',
};

/** The story's part of the simulator's seed, and the domains its TLS endpoints serve. */
export function rotationSeed(cast: RotationCast, now: number) {
  const seed = {
    // The simulator is strict: an application needs a CAS contact of the subscription's account.
    contacts: [{ contactId: '2001', name: 'Payments team', email: 'payments@example.com' }],
    subscriptions: [
      {
        instanceId: cast.instanceId,
        domain: cast.domain,
        orderStartTime: now - 170 * day,
        orderEndTime: now + 200 * day,
        certificates: [{ certificateId: cast.certId, notBefore: now - 170 * day, notAfter: now + 30 * day }],
      },
    ],
    // V2 work on the simulator's clock, short enough to watch: the application task, then DCV and CA review.
    subscriptionApi: { taskMs: 300, issueMs: 1_500, cancelMs: 100 },
    resources: [
      { id: '701', cloudProduct: 'CDN', domain: cast.domain, regionId: 'cn-hangzhou', certId: cast.certId },
      {
        id: '702',
        cloudProduct: 'ALB',
        domain: `www.${cast.domain}`,
        regionId: 'cn-shanghai',
        certId: cast.certId,
      },
    ],
  } satisfies SimSeed;
  return { seed, tlsDomains: [cast.domain, `www.${cast.domain}`] };
}

/** `/cert renew <instanceId>` in `channel` to the TLS proof; also the certificate it issued. */
export async function tellRotation(
  stage: Stage,
  cast: RotationCast,
  channel: string,
): Promise<Played & { newCertId: string | undefined }> {
  const played = await playRequest(stage, {
    id: cast.instanceId,
    channel,
    requester: 'U0REQUESTER',
    approver: 'U0APPROVER',
    card: 'Certificate rotation request',
    issued: /Rotation issued/,
  });
  // The subscription as the simulator of the channel's account holds it now.
  const account = stage.accounts.find((a) => a.channel === channel)?.name ?? '';
  const subscriptions = stage.sim.account(account).subscriptions;
  const newCertId = subscriptions.has(cast.instanceId)
    ? subscriptions.mustGet(cast.instanceId).certificates.at(-1)?.certificateId
    : undefined;
  return { ...played, newCertId };
}
