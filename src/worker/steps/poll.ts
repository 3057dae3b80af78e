import type { CasClient } from '../../cas/client.ts';
import { isAppError } from '../../errors.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import type { OutboxMessage } from '../../renewals/store.ts';
import type { TransitionName } from '../../renewals/transitions.ts';
import { summariseCertificate } from '../cert-summary.ts';
import { threadText } from '../messages.ts';
import { card, type RenewalJobData, type Step, type StepContext, say } from '../step-context.ts';

/** From `submitted`, `validating` or `reviewing`: asks CAS for the new order's state and posts each change once. */
export async function pollStep(
  ctx: StepContext,

  record: RenewalRecord,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  const { store, cas, logger, now, timings, pollDelay, needsAttention } = ctx;
  const newOrderId = record.newOrderId;
  if (!newOrderId)
    return needsAttention(record, 'the renewal has no new order ID to follow. Check the CAS console.');
  let state: Awaited<ReturnType<CasClient['describeCertificateState']>>;
  try {
    state = await cas.describeCertificateState(newOrderId, signal ? { signal } : {});
  } catch (err) {
    if (isAppError(err) && err.retryable) {
      data.pollErrors = (data.pollErrors ?? 0) + 1;
      if (data.pollErrors <= timings.maxPollErrors) return { kind: 'later', ms: pollDelay(data.polls ?? 0) };
    }
    return needsAttention(
      record,
      `CAS did not report the state of new order \`${newOrderId}\`: ${isAppError(err) ? err.message : 'unexpected error'}. Check the order in the CAS console.`,
    );
  }
  data.pollErrors = 0;
  data.polls = (data.polls ?? 0) + 1;
  // The deadline is checked after asking CAS, so a certificate issued just past it still counts as issued.
  const since = record.submittedAt ?? record.updatedAt ?? now();
  if (state.type !== 'certificate' && state.type !== 'verify_fail' && now() - since > timings.deadlineMs) {
    const days = Math.floor((now() - since) / 86_400_000);
    const shown = state.type === 'other' ? state.rawType : state.type;
    return needsAttention(
      record,
      `renewal stalled: new order \`${newOrderId}\` is still \`${shown}\` after ${days} days. Check the order in the CAS console (application, domain validation) and finish or cancel it there.`,
      { casState: shown },
    );
  }
  if (state.type !== 'unknow') data.unknowns = 0;
  const next: Step = { kind: 'later', ms: pollDelay(data.polls) };
  const move = (name: TransitionName, notify: OutboxMessage[], fields: Partial<RenewalRecord> = {}) =>
    store.transition(record.id, name, {
      actor: 'worker',
      fields: { casState: state.type, ...fields },
      notify,
    });

  switch (state.type) {
    case 'payed':
      if (record.casState !== 'payed')
        await move('pending_application', [say(threadText.pendingApplication(newOrderId)), card]);
      return next;
    case 'domain_verify': {
      const key = JSON.stringify(state.validation);
      if (record.state !== 'validating' || record.validationKey !== key) {
        await move('domain_validation', [say(threadText.validation(record.domain, state.validation)), card], {
          validationKey: key,
        });
      }
      return next;
    }
    case 'process':
      if (record.state !== 'reviewing')
        await move('ca_review', [say(threadText.reviewing(newOrderId)), card]);
      return next;
    case 'certificate': {
      const summary = await summariseCertificate(state.certificatePem).catch(() => undefined);
      await move('issued', [say(threadText.issued(newOrderId, summary, state.casGeneratedKey)), card], {
        detail: summary ? `not after ${summary.notAfter.toISOString()}` : undefined,
      });
      logger.info({ recordId: record.id, orderId: record.orderId, newOrderId }, 'renewal issued');
      return { kind: 'done' };
    }
    case 'verify_fail':
      await move('review_failed', [say(threadText.reviewFailed(newOrderId)), card], {
        detail: 'CA review failed (verify_fail)',
      });
      logger.warn({ recordId: record.id, newOrderId }, 'renewal failed: CA review failed');
      return { kind: 'done' };
    case 'unknow':
      data.unknowns = (data.unknowns ?? 0) + 1;
      if (data.unknowns <= timings.maxUnknowns) return next;
      return needsAttention(
        record,
        `CAS reported the state of new order \`${newOrderId}\` as unknown (\`unknow\`) ${data.unknowns} times in a row. Check the order in the CAS console.`,
        { casState: 'unknow' },
      );
    case 'other':
      return needsAttention(
        record,
        `CAS reported an undocumented state \`${state.rawType}\` for new order \`${newOrderId}\`. Check the order in the CAS console.`,
        { casState: state.rawType },
      );
  }
}
