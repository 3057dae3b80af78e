import { CasApiError, casOutcome, errorCode, retryAfterMs } from '../../cas/errors.ts';
import { isAppError } from '../../errors.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import { type RenewalJobData, type Step, type StepContext, tell } from '../step-context.ts';
import { claimRenewal } from './renew-claim.ts';

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
  const { store, cas, logger, now, timings, pollDelay } = ctx;
  // The claim lists what is pending application before the call: a reconcile after an unanswered call then
  // considers only orders that appeared since (the documented guarantees: Status=PAYED, a new order; not the
  // listing's domain or date). It also takes the renew lease: no other call it could be confused with is unresolved.
  let claimed: Awaited<ReturnType<typeof store.transition>>;
  try {
    claimed = await claimRenewal(ctx, record);
  } catch (err) {
    // The record moved on, or another run holds it with its own token: nothing is sent, the record decides.
    if (isAppError(err) && err.code === 'CLAIM_LOST') return { kind: 'again' };
    if (!isAppError(err) || err.code !== 'REDIS_NOT_DURABLE') throw err;
    // The claim may not survive a Redis crash, so nothing is sent: back to approved, and try again.
    await store.transition(record.id, 'not_executed', { actor: 'worker', detail: err.message });
    logger.warn({ recordId: record.id }, 'claim not durable; renewal call not sent');
    return { kind: 'later', ms: timings.submitRetryBaseMs };
  }
  if (!claimed.ok && claimed.reason === 'lease_held') {
    // Another request's paid call of this domain (or account) is unresolved: wait for it, never guess around it.
    logger.info({ recordId: record.id, holder: claimed.ownerId }, 'another renewal is unresolved; waiting');
    return { kind: 'later', ms: Math.min(1_000, timings.submitRetryBaseMs) };
  }
  if (!claimed.ok) return { kind: 'again' };
  logger.info(
    { recordId: record.id, orderId: record.orderId },
    'calling RenewCertificateOrderForPackageRequest',
  );
  let result: Awaited<ReturnType<typeof cas.renewCertificateOrderForPackageRequest>>;
  try {
    result = await cas.renewCertificateOrderForPackageRequest(
      { orderId: record.orderId, csr: record.csrPem },
      signal ? { signal } : {},
    );
  } catch (err) {
    return callFailed(ctx, claimed.record, data, err);
  }
  // CAS answered: the new order is known. It must reach Redis, or a later run would have to guess it back.
  logger.info(
    { recordId: record.id, orderId: record.orderId, newOrderId: result.newOrderId },
    'renewal submitted',
  );
  const done = await persistKnownResult(ctx, () =>
    store.transition(record.id, 'submitted', {
      actor: 'worker',
      detail: `new order ${result.newOrderId}, RequestId ${result.requestId}`,
      fields: { newOrderId: result.newOrderId, submittedAt: now() },
      notify: [tell({ type: 'submitted', newOrderId: result.newOrderId })],
    }),
  );
  if (done.ok) return { kind: 'later', ms: pollDelay(0) };
  if (done.reason !== 'order_claimed') return { kind: 'again' };
  // CAS named a new order that another request holds: the answer is kept and a person decides, never "not renewed".
  const holder = await store.get(done.ownerId).catch(() => undefined);
  return ctx.needsAttention(claimed.record, {
    code: 'new_order_claimed',
    orderId: record.orderId,
    newOrderId: result.newOrderId,
    holderId: done.ownerId,
    holderOrderId: holder?.orderId,
  });
}

/**
 * Retries a write of a result CAS already gave (Redis restarting, a failover) with back-off for up to
 * `timings.persistResultMs`, instead of treating the call as ambiguous. Throws only past that.
 */
async function persistKnownResult<T>(ctx: StepContext, write: () => Promise<T>): Promise<T> {
  const deadline = ctx.now() + ctx.timings.persistResultMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (ctx.now() >= deadline) throw err;
      ctx.logger.warn(
        { attempt, err: { message: (err as Error).message } },
        'could not record the renewal result yet; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
    }
  }
}

/** The renew call failed: decide from what the failure proves (nothing happened, refused, or unknown). */
async function callFailed(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  err: unknown,
): Promise<Step> {
  const { store, logger, now, timings, needsAttention } = ctx;
  const outcome = casOutcome(err);
  if (err instanceof CasApiError && outcome === 'rejected') {
    await store.transition(record.id, 'refused', {
      actor: 'worker',
      detail: `${err.casCode}: ${err.casMessage}`,
      fields: { detail: `CAS refused: ${err.casCode}: ${err.casMessage}`.slice(0, 300) },
      notify: [
        tell({ type: 'refused', orderId: record.orderId, casCode: err.casCode, casMessage: err.casMessage }),
      ],
    });
    logger.warn({ recordId: record.id, casCode: err.casCode }, 'renewal refused by CAS');
    return { kind: 'done' };
  }
  if (isAppError(err) && (err.code === 'CREDENTIALS_MISSING' || err.code === 'CREDENTIALS_INVALID')) {
    return needsAttention(record, { code: 'no_credentials', message: err.message });
  }
  if (outcome === 'not_executed') {
    const retries = (data.submitRetries ?? 0) + 1;
    data.submitRetries = retries;
    const reason = errorCode(err, 'not sent');
    if (retries > timings.maxSubmitRetries) {
      return needsAttention(record, {
        code: 'not_taken',
        orderId: record.orderId,
        tries: retries,
        last: reason,
      });
    }
    const hinted = retryAfterMs(err);
    const delay = Math.max(hinted ?? 0, Math.min(300_000, timings.submitRetryBaseMs * 2 ** (retries - 1)));
    await store.transition(record.id, 'not_executed', {
      actor: 'worker',
      detail: reason,
      notify: [tell({ type: 'retrying', code: reason, at: now() + delay })],
    });
    return { kind: 'later', ms: delay };
  }
  // Timeout, reset, 5xx, or anything unexpected after the call may have left: it may have happened.
  const reason = isAppError(err) ? err.message : 'unexpected error';
  await store.transition(record.id, 'outcome_unknown', {
    actor: 'worker',
    detail: reason,
    notify: [tell({ type: 'outcome_unknown', code: errorCode(err) })],
  });
  logger.warn({ recordId: record.id, orderId: record.orderId }, 'renewal outcome unknown; will reconcile');
  return { kind: 'later', ms: timings.casTimeoutMs + timings.reconcileSettleMs };
}
