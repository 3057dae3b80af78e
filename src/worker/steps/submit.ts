import { errorCode } from '../../cas/errors.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import { type OnceOnly, onceOnly } from '../once-only.ts';
import { type RenewalJobData, type Step, type StepContext, tell } from '../step-context.ts';
import { claimRenewal } from './renew-claim.ts';

type Renewed = Awaited<ReturnType<StepContext['cas']['renewCertificateOrderForPackageRequest']>>;

/**
 * From `approved`: moves the record to `submitting` first, then makes the paid call once. CAS answers that prove
 * nothing happened go back to `approved` with a delay; definitive refusals fail; anything ambiguous stays in
 * `submitting`, for the reconcile step.
 */
export async function submitStep(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  return onceOnly(ctx, record, data, renewal(ctx, record, signal));
}

/** RenewCertificateOrderForPackageRequest as an exactly-once call: its claim, its moves, its messages. */
function renewal(
  ctx: StepContext,
  record: RenewalRecord,
  signal: AbortSignal | undefined,
): OnceOnly<Renewed> {
  const { store, cas, logger, now, pollDelay, needsAttention } = ctx;
  const { orderId } = record;
  return {
    action: 'RenewCertificateOrderForPackageRequest',
    logFields: { orderId },
    // The claim lists what is pending application before the call: a reconcile after an unanswered call then
    // considers only orders that appeared since (the documented guarantees: Status=PAYED, a new order; not the
    // listing's domain or date). It also takes the renew lease: no other call it could be confused with is
    // unresolved.
    claim: () => claimRenewal(ctx, record),
    call: () =>
      cas.renewCertificateOrderForPackageRequest({ orderId, csr: record.csrPem }, signal ? { signal } : {}),
    record: (result) =>
      store.transition(record.id, 'submitted', {
        actor: 'worker',
        detail: `new order ${result.newOrderId}, RequestId ${result.requestId}`,
        fields: { newOrderId: result.newOrderId, submittedAt: now() },
        notify: [tell({ type: 'submitted', newOrderId: result.newOrderId })],
      }),
    async afterwards(done, { newOrderId }) {
      logger.info({ recordId: record.id, orderId, newOrderId }, 'renewal submitted');
      if (done.ok) return { kind: 'later', ms: pollDelay(0) };
      if (done.reason !== 'order_claimed') return { kind: 'again' };
      // CAS named a new order that another request holds: the answer is kept and a person decides, never "not
      // renewed".
      const holder = await store.get(done.ownerId).catch(() => undefined);
      return needsAttention(record, {
        code: 'new_order_claimed',
        orderId,
        newOrderId,
        holderId: done.ownerId,
        holderOrderId: holder?.orderId,
      });
    },
    async refused(err) {
      await store.transition(record.id, 'refused', {
        actor: 'worker',
        detail: `${err.casCode}: ${err.casMessage}`,
        fields: { detail: `CAS refused: ${err.casCode}: ${err.casMessage}`.slice(0, 300) },
        notify: [tell({ type: 'refused', orderId, casCode: err.casCode, casMessage: err.casMessage })],
      });
      logger.warn({ recordId: record.id, casCode: err.casCode }, 'renewal refused by CAS');
      return { kind: 'done' };
    },
    noCredentials: (err) => needsAttention(record, { code: 'no_credentials', message: err.message }),
    notExecuted: {
      counter: 'submitRetries',
      move: 'not_executed',
      reason: (err) => errorCode(err, 'not sent'),
      event: (code, at) => ({ type: 'retrying', code, at }),
      gaveUp: (tries, last) => needsAttention(record, { code: 'not_taken', orderId, tries, last }),
    },
    unknown: {
      move: 'outcome_unknown',
      event: (err) => ({ type: 'outcome_unknown', code: errorCode(err) }),
      log: 'renewal outcome unknown; will reconcile',
    },
  };
}
