import type { RenewalStore } from '../renewals/store.ts';
import type { AlertClaim, AlertedOrder, AlertState } from './alert-state.ts';
import type { InstanceCertificate, InstanceFindings, SubscriptionEnding } from './expiring-instances.ts';

/** The key a subscription's notices are claimed under: apart from its certificate's alerts. */
export const subscriptionKey = (instanceId: string) => `subscription:${instanceId}`;

/** The V2 parts of one channel's alerts, and the claims they hold. */
export interface InstanceChannelAlerts {
  certificates: InstanceCertificate[];
  subscriptions: SubscriptionEnding[];
  claims: AlertClaim[];
}

/** What the V2 part of a scan counts. */
export interface InstanceCounts {
  inFlight: number;
  snoozed: number;
  unrouted: number;
}

/** What claiming V2 alerts needs. */
export interface InstanceAlertContext {
  state: AlertState;
  store: RenewalStore;
  /** The channel for a domain, if any. */
  route: (domain: string) => string | undefined;
  /** One channel's alerts, created on first use. */
  into: (channel: string) => InstanceChannelAlerts;
  /** Every claim made, for the caller to settle. */
  pending: Set<AlertClaim>;
}

async function claimInto(
  ctx: InstanceAlertContext,
  channel: string,
  claim: AlertClaim | undefined,
  push: (alerts: InstanceChannelAlerts) => void,
) {
  if (!claim) return;
  ctx.pending.add(claim);
  push(ctx.into(channel));
  ctx.into(channel).claims.push(claim);
}

/**
 * Claims the V2 alerts a scan owes: each certificate once per lifetime threshold (its instance ID is the key, its
 * end the date), each subscription once per days threshold (under {@link subscriptionKey}). A certificate with a
 * request in flight or snoozed is skipped, as orders are.
 */
export async function claimInstanceAlerts(
  ctx: InstanceAlertContext,
  findings: InstanceFindings,
  counts: InstanceCounts,
): Promise<void> {
  for (const cert of findings.certificates) {
    if (await ctx.store.findOpen(cert.instanceId)) counts.inFlight += 1;
    else if (await ctx.state.isSnoozed(cert.instanceId)) counts.snoozed += 1;
    else {
      const channel = ctx.route(cert.domain);
      if (!channel) {
        counts.unrouted += 1;
        continue;
      }
      const product = cert.hosted ? 'hosted subscription certificate' : 'subscription certificate';
      const claimed = { orderId: cert.instanceId, domain: cert.domain, productName: product };
      const seconds = Math.round(cert.thresholdMs / 1000);
      const claim = await ctx.state.claimThreshold({ ...claimed, certEndTime: cert.notAfter }, seconds);
      await claimInto(ctx, channel, claim, (a) => a.certificates.push(cert));
    }
  }
  for (const sub of findings.subscriptions) {
    const end = sub.orderEndTime ?? findings.latestEnd.get(sub.instanceId);
    const channel = ctx.route(sub.domain);
    if (!channel) counts.unrouted += 1;
    if (!channel || end === undefined) continue;
    const claimed = {
      orderId: subscriptionKey(sub.instanceId),
      domain: sub.domain,
      productName: 'subscription',
    };
    const claim = await ctx.state.claimThreshold({ ...claimed, certEndTime: end }, sub.threshold);
    await claimInto(ctx, channel, claim, (a) => a.subscriptions.push(sub));
  }
}

/**
 * What the final "expired" alert of an alerted ID means for V2: `v1` (an order: the V1 rules apply), `keep`
 * (a subscription's notices: they have no final alert), `forget` (the instance rotated since, ended or is gone)
 * or `alert` (its certificate expired without a newer one).
 */
export function expiredVerdict(
  order: AlertedOrder,
  findings: InstanceFindings,
): 'v1' | 'keep' | 'forget' | 'alert' {
  if (/^[0-9]+$/.test(order.orderId)) return 'v1';
  if (order.orderId.startsWith(subscriptionKey(''))) return 'keep';
  if (!findings.latestEnd.has(order.orderId)) return 'forget';
  const latest = findings.latestEnd.get(order.orderId);
  return latest !== undefined && latest > order.certEndTime ? 'forget' : 'alert';
}
