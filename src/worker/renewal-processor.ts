import { randomUUID } from 'node:crypto';
import { DelayedError, type Job } from 'bullmq';
import type { CasClient } from '../cas/client.ts';
import { CasApiError } from '../cas/errors.ts';
import { isAppError } from '../errors.ts';
import type { RecordJobData } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import type { RenewalRecord, RenewalState } from '../renewals/record.ts';
import type { OutboxItem, RenewalStore } from '../renewals/store.ts';
import { slackDate } from '../slack/mrkdwn.ts';
import { summariseCertificate } from './cert-summary.ts';
import { threadText } from './messages.ts';
import type { DeliveryResult } from './outbox-delivery.ts';

/** Step counters kept in the job (IDs and counters only: nothing secret). */
export interface RenewalJobData extends RecordJobData {
  polls?: number;
  unknowns?: number;
  pollErrors?: number;
  submitRetries?: number;
  reconciles?: number;
}

/** Timings of the renewal steps, milliseconds. */
export interface RenewalTimings {
  /** First delay between status polls (`CERT_POLL_MIN_SECONDS`). */
  pollMinMs: number;
  /** Largest delay between status polls (`CERT_POLL_MAX_SECONDS`). */
  pollMaxMs: number;
  /** After this long without a final state, the renewal is reported as stalled. @defaultValue 7 days */
  deadlineMs: number;
  /** Whole-call timeout of a CAS request: an unanswered renew call is over after this. */
  casTimeoutMs: number;
  /** Extra wait before asking CAS whether an unconfirmed renewal happened (list consistency). */
  reconcileSettleMs: number;
  /** First retry delay when CAS did not take the renewal (throttling, not sent). */
  submitRetryBaseMs: number;
  maxSubmitRetries: number;
  maxReconciles: number;
  maxUnknowns: number;
  maxPollErrors: number;
}

/** Dependencies of {@link createRenewalProcessor}. */
export interface RenewalProcessorDeps {
  store: RenewalStore;
  cas: CasClient;
  deliver: (recordId: string) => Promise<DeliveryResult>;
  logger: Logger;
  now: () => number;
  timings: RenewalTimings;
}

type Step = { kind: 'done' } | { kind: 'again' } | { kind: 'later'; ms: number };

const workerStates: RenewalState[] = ['approved', 'submitting', 'submitted', 'validating', 'reviewing'];
const pollStates: RenewalState[] = ['submitted', 'validating', 'reviewing'];
const card: OutboxItem = { kind: 'card' };
const say = (text: string): OutboxItem => ({ kind: 'thread', text });

/**
 * The renewal job: one per approved request, run as steps (submit, reconcile, poll) that save their counters and
 * move the job to delayed between polls, so waits of days hold no worker. The record decides each step; the paid
 * call is made only from `approved`, after the record moved to `submitting` — a run that finds `submitting` asks
 * CAS what happened and never calls renew again.
 */
export function createRenewalProcessor(deps: RenewalProcessorDeps) {
  const { store, cas, logger, now, timings } = deps;

  const pollDelay = (polls: number) => Math.min(timings.pollMaxMs, timings.pollMinMs * 2 ** polls);

  async function needsAttention(
    record: RenewalRecord,
    what: string,
    fields: Partial<RenewalRecord> = {},
  ): Promise<Step> {
    const result = await store.transition(record.id, workerStates, 'needs_attention', {
      actor: 'worker',
      action: 'needs_attention',
      detail: what,
      fields: { detail: what.slice(0, 300), ...fields },
      notify: [say(threadText.needsAttention(what)), card],
    });
    logger.warn({ recordId: record.id, orderId: record.orderId }, 'renewal needs attention');
    return result.ok ? { kind: 'done' } : { kind: 'again' };
  }

  async function submit(
    record: RenewalRecord,
    data: RenewalJobData,
    signal: AbortSignal | undefined,
  ): Promise<Step> {
    const claimed = await store.transition(record.id, ['approved'], 'submitting', {
      actor: 'worker',
      action: 'submitting',
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
      const done = await store.transition(record.id, ['submitting'], 'submitted', {
        actor: 'worker',
        action: 'submitted',
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
        await store.transition(record.id, ['submitting'], 'failed', {
          actor: 'worker',
          action: 'failed',
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
        const delay = Math.max(
          hinted ?? 0,
          Math.min(300_000, timings.submitRetryBaseMs * 2 ** (retries - 1)),
        );
        await store.transition(record.id, ['submitting'], 'approved', {
          actor: 'worker',
          action: 'not_executed',
          detail: reason,
          notify: [say(threadText.retrying(reason, now() + delay)), card],
        });
        return { kind: 'later', ms: delay };
      }
      // Timeout, reset, 5xx, or anything unexpected after the call may have left: it may have happened.
      const reason = isAppError(err) ? err.message : 'unexpected error';
      await store.transition(record.id, ['submitting'], 'submitting', {
        actor: 'worker',
        action: 'outcome_unknown',
        detail: reason,
        release: false,
        notify: [
          say(
            threadText.outcomeUnknown(
              err instanceof CasApiError ? err.casCode : isAppError(err) ? err.code : 'error',
            ),
          ),
        ],
      });
      logger.warn(
        { recordId: record.id, orderId: record.orderId },
        'renewal outcome unknown; will reconcile',
      );
      return { kind: 'later', ms: timings.casTimeoutMs + timings.reconcileSettleMs };
    }
  }

  async function reconcile(record: RenewalRecord, data: RenewalJobData): Promise<Step> {
    const submittingAt = record.submittingAt ?? record.updatedAt ?? now();
    // The original call is certainly over (it has a timeout) once this has passed; only then is the list meaningful.
    const settledAt = submittingAt + timings.casTimeoutMs + timings.reconcileSettleMs;
    if (now() < settledAt) return { kind: 'later', ms: settledAt - now() };
    const sentAt = slackDate(submittingAt);
    if (!record.domain) {
      return needsAttention(
        record,
        `CAS did not confirm the renewal of order \`${record.orderId}\` (sent ${sentAt}) and the order's domain is unknown, so I cannot look for the new order. Check the CAS console for a new order created since then before renewing again.`,
      );
    }
    const since = submittingAt - 5 * 60_000;
    const found: string[] = [];
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
          found.push(order.OrderId);
        }
      }
    } catch (err) {
      if (isAppError(err) && err.retryable) return { kind: 'later', ms: timings.reconcileSettleMs };
      return needsAttention(
        record,
        `CAS did not confirm the renewal of order \`${record.orderId}\` (sent ${sentAt}), and listing orders failed: ${isAppError(err) ? err.message : 'unexpected error'}. Check the CAS console for a new order of ${record.domain} before renewing again.`,
      );
    }
    if (found.length === 1) {
      const newOrderId = found[0] as string;
      const result = await store.transition(record.id, ['submitting'], 'submitted', {
        actor: 'worker',
        action: 'reconciled',
        detail: `found new order ${newOrderId}`,
        fields: { newOrderId, submittedAt: now() },
        notify: [say(threadText.reconciled(newOrderId)), card],
      });
      return result.ok ? { kind: 'later', ms: pollDelay(0) } : { kind: 'again' };
    }
    if (found.length > 1) {
      return needsAttention(
        record,
        `CAS did not confirm the renewal of order \`${record.orderId}\` (sent ${sentAt}) and there are several new orders for ${record.domain} since then: ${found.map((f) => `\`${f}\``).join(', ')}. Check in the CAS console which one is this renewal.`,
      );
    }
    const reconciles = (data.reconciles ?? 0) + 1;
    data.reconciles = reconciles;
    if (reconciles < timings.maxReconciles) return { kind: 'later', ms: timings.reconcileSettleMs };
    return needsAttention(
      record,
      `CAS did not confirm the renewal of order \`${record.orderId}\` (sent ${sentAt}) and no new order for ${record.domain} appeared since then (checked ${reconciles} times). Check the CAS console: if there is a new order, follow it there; if not, the renewal did not happen and you can run \`/cert renew ${record.orderId}\` again.`,
    );
  }

  async function poll(
    record: RenewalRecord,
    data: RenewalJobData,
    signal: AbortSignal | undefined,
  ): Promise<Step> {
    const newOrderId = record.newOrderId;
    if (!newOrderId)
      return needsAttention(record, 'the renewal has no new order ID to follow. Check the CAS console.');
    let state: Awaited<ReturnType<CasClient['describeCertificateState']>>;
    try {
      state = await cas.describeCertificateState(newOrderId, signal ? { signal } : {});
    } catch (err) {
      if (isAppError(err) && err.retryable) {
        data.pollErrors = (data.pollErrors ?? 0) + 1;
        if (data.pollErrors <= timings.maxPollErrors)
          return { kind: 'later', ms: pollDelay(data.polls ?? 0) };
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
    const move = (
      to: RenewalState,
      action: string,
      notify: OutboxItem[],
      fields: Partial<RenewalRecord> = {},
    ) =>
      store.transition(record.id, pollStates, to, {
        actor: 'worker',
        action,
        fields: { casState: state.type, ...fields },
        notify,
      });

    switch (state.type) {
      case 'payed':
        if (record.casState !== 'payed')
          await move('submitted', 'pending_application', [
            say(threadText.pendingApplication(newOrderId)),
            card,
          ]);
        return next;
      case 'domain_verify': {
        const key = JSON.stringify(state.validation);
        if (record.state !== 'validating' || record.validationKey !== key) {
          await move(
            'validating',
            'domain_validation',
            [say(threadText.validation(record.domain, state.validation)), card],
            { validationKey: key },
          );
        }
        return next;
      }
      case 'process':
        if (record.state !== 'reviewing')
          await move('reviewing', 'ca_review', [say(threadText.reviewing(newOrderId)), card]);
        return next;
      case 'certificate': {
        const summary = await summariseCertificate(state.certificatePem).catch(() => undefined);
        await move(
          'issued',
          'issued',
          [say(threadText.issued(newOrderId, summary, state.casGeneratedKey)), card],
          {
            detail: summary ? `not after ${summary.notAfter.toISOString()}` : undefined,
          },
        );
        logger.info({ recordId: record.id, orderId: record.orderId, newOrderId }, 'renewal issued');
        return { kind: 'done' };
      }
      case 'verify_fail':
        await move('failed', 'failed', [say(threadText.reviewFailed(newOrderId)), card], {
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

  async function step(
    recordId: string,
    data: RenewalJobData,
    signal: AbortSignal | undefined,
  ): Promise<Step> {
    const record = await store.get(recordId);
    if (!record) return { kind: 'done' };
    switch (record.state) {
      case 'approved':
        return submit(record, data, signal);
      case 'submitting':
        return reconcile(record, data);
      case 'submitted':
      case 'validating':
      case 'reviewing':
        return poll(record, data, signal);
      default:
        return { kind: 'done' };
    }
  }

  return async function process(
    job: Job<RenewalJobData>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const data: RenewalJobData = { ...job.data };
    const recordId = data.recordId;
    let outcome: Step = { kind: 'again' };
    // A run may take several steps in a row (e.g. submitted, then the first poll after a zero delay).
    for (let i = 0; i < 10 && outcome.kind === 'again'; i++) outcome = await step(recordId, data, signal);
    const delivery = await deps.deliver(recordId);
    let delayMs: number | undefined =
      outcome.kind === 'later' ? outcome.ms : outcome.kind === 'again' ? 0 : undefined;
    if (!delivery.done) delayMs = Math.max(delayMs ?? 0, delivery.retryMs);
    if (delayMs === undefined) return (await store.get(recordId))?.state ?? 'missing';
    // Save the counters before moving to delayed: a crash in between then replays the *next* step, never an old one.
    await job.updateData(data);
    await job.moveToDelayed(now() + delayMs, token);
    throw new DelayedError();
  };
}
