import { randomUUID } from 'node:crypto';
import { CasApiError } from '../../cas/errors.ts';
import { isAppError } from '../../errors.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import { threadText } from '../messages.ts';
import { card, type RenewalJobData, type Step, type StepContext, say } from '../step-context.ts';

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
  const { store, cas, logger, now, timings, pollDelay, needsAttention } = ctx;
  const claimed = await store.transition(record.id, 'submitting', {
    actor: 'worker',
    fields: { intentId: randomUUID(), submittingAt: now() },
    notify: [say(threadText.submitting(record.orderId)), card],
  });
  if (!claimed.ok) return { kind: 'again' };
  logger.info(
    { recordId: record.id, orderId: record.orderId },
    'calling RenewCertificateOrderForPackageRequest',
  );
  try {
    const result = await cas.renewCertificateOrderForPackageRequest(
      { orderId: record.orderId, csr: record.csrPem },
      signal ? { signal } : {},
    );
    const done = await store.transition(record.id, 'submitted', {
      actor: 'worker',
      detail: `new order ${result.newOrderId}, RequestId ${result.requestId}`,
      fields: { newOrderId: result.newOrderId, submittedAt: now() },
      notify: [say(threadText.submitted(result.newOrderId)), card],
    });
    logger.info(
      { recordId: record.id, orderId: record.orderId, newOrderId: result.newOrderId },
      'renewal submitted',
    );
    return done.ok ? { kind: 'later', ms: pollDelay(0) } : { kind: 'again' };
  } catch (err) {
    const outcome =
      err instanceof Error && 'outcome' in err ? (err as { outcome: string }).outcome : undefined;
    if (err instanceof CasApiError && outcome === 'rejected') {
      await store.transition(record.id, 'refused', {
        actor: 'worker',
        detail: `${err.casCode}: ${err.casMessage}`,
        fields: { detail: `CAS refused: ${err.casCode}: ${err.casMessage}`.slice(0, 300) },
        notify: [say(threadText.refused(record.orderId, err.casCode, err.casMessage)), card],
      });
      logger.warn({ recordId: record.id, casCode: err.casCode }, 'renewal refused by CAS');
      return { kind: 'done' };
    }
    if (isAppError(err) && (err.code === 'CREDENTIALS_MISSING' || err.code === 'CREDENTIALS_INVALID')) {
      return needsAttention(
        claimed.record,
        `the worker has no usable Alibaba Cloud credentials, so nothing was sent to CAS: ${err.message}`,
      );
    }
    if (outcome === 'not_executed') {
      const retries = (data.submitRetries ?? 0) + 1;
      data.submitRetries = retries;
      const reason = err instanceof CasApiError ? err.casCode : isAppError(err) ? err.code : 'not sent';
      if (retries > timings.maxSubmitRetries) {
        return needsAttention(
          claimed.record,
          `CAS did not take the renewal of order \`${record.orderId}\` after ${retries} tries (last: ${reason}); nothing was spent. Check CAS status and approve a new request later.`,
        );
      }
      const hinted = err instanceof CasApiError ? err.retryAfterMs : undefined;
      const delay = Math.max(hinted ?? 0, Math.min(300_000, timings.submitRetryBaseMs * 2 ** (retries - 1)));
      await store.transition(record.id, 'not_executed', {
        actor: 'worker',
        detail: reason,
        notify: [say(threadText.retrying(reason, now() + delay)), card],
      });
      return { kind: 'later', ms: delay };
    }
    // Timeout, reset, 5xx, or anything unexpected after the call may have left: it may have happened.
    const reason = isAppError(err) ? err.message : 'unexpected error';
    await store.transition(record.id, 'outcome_unknown', {
      actor: 'worker',
      detail: reason,
      notify: [
        say(
          threadText.outcomeUnknown(
            err instanceof CasApiError ? err.casCode : isAppError(err) ? err.code : 'error',
          ),
        ),
      ],
    });
    logger.warn({ recordId: record.id, orderId: record.orderId }, 'renewal outcome unknown; will reconcile');
    return { kind: 'later', ms: timings.casTimeoutMs + timings.reconcileSettleMs };
  }
}
