import { isAppError } from '../../errors.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import { card, type RenewalJobData, type Step, type StepContext, tell } from '../step-context.ts';

/**
 * From `submitting` (the paid call's outcome is unknown): never calls renew again. Once the original call is
 * certainly over, looks in CAS for a new order of the same domain created since; one match is followed, none or
 * several end in needs attention.
 */
export async function reconcileStep(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
): Promise<Step> {
  const { store, cas, now, timings, pollDelay, needsAttention } = ctx;
  const submittingAt = record.submittingAt ?? record.updatedAt ?? now();
  // The original call is certainly over (it has a timeout) once this has passed; only then is the list meaningful.
  const settledAt = submittingAt + timings.casTimeoutMs + timings.reconcileSettleMs;
  if (now() < settledAt) return { kind: 'later', ms: settledAt - now() };
  const about = { orderId: record.orderId, sentAt: submittingAt };
  if (!record.domain) {
    return needsAttention(record, { code: 'domain_unknown', ...about });
  }
  const since = submittingAt - 5 * 60_000;
  const candidates: string[] = [];
  try {
    for await (const order of cas.listAllUserCertificateOrders({
      keyword: record.domain,
      orderType: 'CPACK',
      showSize: 100,
    })) {
      if (
        order.Domain === record.domain &&
        order.OrderId &&
        order.OrderId !== record.orderId &&
        (order.BuyDate ?? 0) >= since
      ) {
        candidates.push(order.OrderId);
      }
    }
  } catch (err) {
    if (isAppError(err) && err.retryable) return { kind: 'later', ms: timings.reconcileSettleMs };
    return needsAttention(record, {
      code: 'list_failed',
      ...about,
      domain: record.domain,
      message: isAppError(err) ? err.message : 'unexpected error',
    });
  }
  // An order another request created (its renewal confirmed, or reconciled, or named by a person) is never ours.
  const found: string[] = [];
  for (const id of candidates) {
    const owner = await store.newOrderOwner(id);
    if (owner === undefined || owner === record.id) found.push(id);
  }
  if (found.length === 1) {
    const newOrderId = found[0] as string;
    const result = await store.transition(record.id, 'reconciled', {
      actor: 'worker',
      detail: `found new order ${newOrderId}`,
      fields: { newOrderId, submittedAt: now() },
      notify: [tell({ type: 'reconciled', newOrderId }), card],
    });
    if (result.ok) return { kind: 'later', ms: pollDelay(0) };
    // Another request claimed it in the meantime: look again later, with that one excluded.
    if (result.reason !== 'order_claimed') return { kind: 'again' };
  } else if (found.length > 1) {
    return needsAttention(record, {
      code: 'several_new_orders',
      ...about,
      domain: record.domain,
      candidates: found,
    });
  }
  const reconciles = (data.reconciles ?? 0) + 1;
  data.reconciles = reconciles;
  if (reconciles < timings.maxReconciles) return { kind: 'later', ms: timings.reconcileSettleMs };
  return needsAttention(record, {
    code: 'no_new_order',
    ...about,
    domain: record.domain,
    checks: reconciles,
  });
}
