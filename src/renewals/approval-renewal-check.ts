import type { Refusal } from './outcomes.ts';
import { createRecentRenewalCheck } from './recent-renewal.ts';
import type { RenewalRecord } from './record.ts';
import { deliverSoon, type RequestServiceDeps } from './request-deps.ts';
import type { TransitionResult } from './store.ts';

/**
 * The CAS part of the earlier-renewal check, run when an approver approves (the moment money is decided) rather
 * than when the card opens, so that a burst of `/cert renew` costs no CAS listing. Unless the card already shows
 * an earlier renewal, CAS is asked once; when it shows one (or cannot be asked), the card is updated to say so (a
 * new version: the approval the person clicked was for a card without the warning) and this approval is refused.
 * The next Approve, on the card with the warning, goes ahead without asking CAS again.
 */
export function createApprovalRenewalCheck(
  deps: RequestServiceDeps,
  notWaiting: (result: Extract<TransitionResult, { ok: false }>) => Refusal,
) {
  const check = createRecentRenewalCheck(deps);
  return async function renewedBeforeApproval(
    record: RenewalRecord,
    userId: string,
    version: number,
  ): Promise<Refusal | undefined> {
    if (record.renewedBefore) return undefined;
    const found = await check.inCas({
      OrderId: record.orderId,
      Domain: record.domain,
      BuyDate: record.buyDate,
      CertStartTime: record.certStartTime,
    });
    if (!found || found.source === 'ours') return undefined;
    const result = await deps.store.transition(record.id, 'earlier_renewal_found', {
      actor: userId,
      ifVersion: version,
      detail: found.source === 'cas' ? `order ${found.newOrderId} (${found.status})` : 'CAS not asked',
      fields: { renewedBefore: found },
    });
    if (!result.ok) return notWaiting(result);
    deps.logger.info(
      { recordId: record.id, orderId: record.orderId, renewedBefore: found.source },
      'approval held: earlier renewal shown on the card',
    );
    await deliverSoon(deps.deliver, deps.logger, record.id);
    return { code: 'renewed_before', orderId: record.orderId, renewedBefore: found };
  };
}
