import { isCasRefusal } from '../../cas/errors.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import { accountScope } from '../../renewals/renew-lease.ts';
import { reconcileOnce } from '../once-only.ts';
import { type RenewalJobData, type Step, type StepContext, tell } from '../step-context.ts';
import { retryTransient, transientMessage } from './transient.ts';

/**
 * From `submitting` (the paid call's outcome is unknown): never calls renew again. Once the original call is
 * certainly over, looks in CAS for a new order pending application that was not there before the call (or, without
 * that list, one of the same domain bought since); one unclaimed match is followed, none or
 * several end in needs attention.
 */
export async function reconcileStep(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
): Promise<Step> {
  // The original call is certainly over (it has a timeout) once settled; only then is the list meaningful.
  return reconcileOnce(ctx, record, record.submittingAt, async () => {
    const leased = await holdLease(ctx, record);
    if (leased !== 'held') return leased;
    const sentAt = record.submittingAt ?? record.updatedAt ?? ctx.now();
    const about = { orderId: record.orderId, sentAt };
    if (!record.payedBefore && !record.domain)
      return ctx.needsAttention(record, { code: 'domain_unknown', ...about });
    const listed = await listNewOrders(ctx, record, data, sentAt);
    if (!Array.isArray(listed)) return listed;
    // An order another request created (its renewal confirmed, or reconciled, or named by a person) is never ours.
    const found: Candidate[] = [];
    for (const candidate of listed) {
      const owner = await ctx.store.newOrderOwner(candidate.orderId);
      if (owner === undefined || owner === record.id) found.push(candidate);
    }
    return followFound(ctx, record, data, found);
  });
}

interface Candidate {
  orderId: string;
  instanceId: string | undefined;
  domainless: boolean;
}

/**
 * The orders pending application that this request's call may have made, or the step to take when CAS cannot
 * list them now.
 */
async function listNewOrders(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  sentAt: number,
): Promise<Candidate[] | Step> {
  const baseline = record.payedBefore ? new Set(record.payedBefore) : undefined;
  const since = sentAt - 5 * 60_000;
  const candidates: Candidate[] = [];
  try {
    // A renewal's new order is pending application (PAYED). With the list taken before the call, "new" is "not
    // in it"; the listing's domain is used only to exclude (a new order may be listed without one).
    for await (const order of ctx.cas.listAllUserCertificateOrders({
      orderType: 'CPACK',
      status: 'PAYED',
      ...(baseline || !record.domain ? {} : { keyword: record.domain }),
    })) {
      if (!order.OrderId || order.OrderId === record.orderId) continue;
      const isNew = baseline ? !baseline.has(order.OrderId) : (order.BuyDate ?? 0) >= since;
      const sameDomain = baseline
        ? !order.Domain || order.Domain === record.domain
        : order.Domain === record.domain;
      if (isNew && sameDomain)
        candidates.push({ orderId: order.OrderId, instanceId: order.InstanceId, domainless: !order.Domain });
    }
    return candidates;
  } catch (err) {
    // Only CAS's own refusal goes to a person at once; a Redis blip or an unreadable listing is tried again.
    const later = isCasRefusal(err) ? undefined : retryTransient(ctx, data, record.id, err);
    if (later) return later;
    return ctx.needsAttention(record, {
      code: 'list_failed',
      orderId: record.orderId,
      sentAt,
      domain: record.domain ?? '',
      message: transientMessage(err),
    });
  }
}

/** One unclaimed new order is followed; several, or none after every look, go to a person. */
async function followFound(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  found: Candidate[],
): Promise<Step> {
  const { store, now, timings, pollDelay, needsAttention } = ctx;
  const about = { orderId: record.orderId, sentAt: record.submittingAt ?? record.updatedAt ?? now() };
  const domainless = found.filter((c) => c.domainless).map((c) => c.orderId);
  if (domainless.length > 0 && record.leaseScope !== accountScope) {
    // New orders of this account are listed without a domain: from now on its claims serialise per account. This
    // call held only its domain, so another call of the account may have made them: unless none was unresolved
    // beside it, a person decides.
    await store.leases.markListsBare();
    const others = [...(await store.leases.holders()).values()].filter((id) => id !== record.id);
    if (others.length > 0 || (await store.leases.epoch()) > (record.leaseEpoch ?? 0))
      return needsAttention(record, { code: 'ambiguous_new_order', ...about, candidates: domainless });
  }
  if (found.length === 1) {
    const { orderId: newOrderId, instanceId } = found[0] as Candidate;
    const result = await store.transition(record.id, 'reconciled', {
      actor: 'worker',
      detail: `found new order ${newOrderId}`,
      fields: { newOrderId, submittedAt: now(), ...(instanceId ? { instanceId } : {}) },
      notify: [tell({ type: 'reconciled', newOrderId })],
    });
    if (result.ok) return { kind: 'later', ms: pollDelay(0) };
    // Another request claimed it in the meantime: look again later, with that one excluded.
    if (result.reason !== 'order_claimed') return { kind: 'again' };
  } else if (found.length > 1) {
    const candidates = found.map((c) => c.orderId);
    return needsAttention(record, {
      code: 'several_new_orders',
      ...about,
      domain: record.domain ?? '',
      candidates,
    });
  }
  const reconciles = (data.reconciles ?? 0) + 1;
  data.reconciles = reconciles;
  if (reconciles < timings.maxReconciles) return { kind: 'later', ms: timings.reconcileSettleMs };
  return needsAttention(record, {
    code: 'no_new_order',
    ...about,
    domain: record.domain ?? '',
    checks: reconciles,
  });
}

/**
 * Makes sure the request holds the renew lease while it reconciles (after a recheck it holds none): `held`, or the
 * step to take while another unresolved call of the scope holds it (wait for it).
 */
async function holdLease(ctx: StepContext, record: RenewalRecord): Promise<'held' | Step> {
  const holders = await ctx.store.leases.holders();
  if ([...holders.values()].includes(record.id)) return 'held';
  const scope = record.leaseScope ?? accountScope;
  const result = await ctx.store.transition(record.id, 'reconciling', {
    actor: 'worker',
    fields: { leaseScope: scope },
    lease: { scope },
  });
  if (result.ok) return 'held';
  if (result.reason === 'lease_held')
    return { kind: 'later', ms: Math.min(1_000, ctx.timings.submitRetryBaseMs) };
  return { kind: 'again' };
}
