import type { SimSeed } from '../cas-sim/seed.ts';
import { type Played, playRequest } from './play.ts';
import type { Stage } from './stage.ts';

// The V1 story: a plan order near its end is renewed (one paid call), its application submitted, validated by
// DNS, issued and deployed to the two resources serving the old certificate. A second order only gets an alert.

const day = 86_400_000;

/** The order the story renews, and the one the scan alerts. */
export interface RenewalCast {
  orderId: string;
  domain: string;
  alertedOrderId: string;
  alertedDomain: string;
}

export const renewalCast: RenewalCast = {
  orderId: '9007199254740993',
  domain: 'shop.example.com',
  alertedOrderId: '123451222',
  alertedDomain: 'api.shop.example.com',
};

/** The story's part of the simulator's seed, and the domains its TLS endpoints serve. */
export function renewalSeed(cast: RenewalCast, now: number) {
  const plan = { productName: 'DigiCert DV SSL (plan)', productCode: 'digicert-dv-1-plan' };
  const seed = {
    // The simulator is strict: the renewed order waits for its application, which needs a CAS contact.
    contacts: [{ contactId: '1001', name: 'Shop team', email: 'shop@example.com' }],
    packages: [{ productCode: plan.productCode, totalCount: 20, usedCount: 7 }],
    resources: [
      {
        id: '601',
        cloudProduct: 'CDN',
        domain: cast.domain,
        regionId: 'cn-hangzhou',
        servesOrder: cast.orderId,
      },
      {
        id: '602',
        cloudProduct: 'ALB',
        domain: `www.${cast.domain}`,
        regionId: 'cn-shanghai',
        servesOrder: cast.orderId,
      },
    ],
    orders: [
      {
        orderId: cast.orderId,
        domain: cast.domain,
        status: 'WILLEXPIRED',
        ...plan,
        certEndTime: now + 12 * day,
        renewScript: [
          { type: 'payed', validation: 'DNS', polls: 1 },
          { type: 'domain_verify', validation: 'DNS', polls: 3 },
          { type: 'process', validation: 'DNS', polls: 2 },
          { type: 'certificate', validation: 'DNS', polls: 1 },
        ],
      },
      {
        orderId: cast.alertedOrderId,
        domain: cast.alertedDomain,
        status: 'ISSUED',
        ...plan,
        certEndTime: now + 6 * day + 3_600_000,
      },
    ],
  } satisfies SimSeed;
  return { seed, tlsDomains: [cast.domain, `www.${cast.domain}`] };
}

/** `/cert renew <orderId>` in `channel` to the TLS proof. */
export function tellRenewal(stage: Stage, cast: RenewalCast, channel: string): Promise<Played> {
  return playRequest(stage, {
    id: cast.orderId,
    channel,
    requester: 'U0REQUESTER',
    approver: 'U0APPROVER',
    card: 'Certificate renewal request',
    issued: /Renewal issued/,
  });
}
