import { randomUUID } from 'node:crypto';
import {
  CasApiError,
  casOutcome,
  casReason,
  errorCode,
  isCasRefusal,
  isInstanceApiRefusal,
  retryAfterMs,
} from '../../cas/errors.ts';
import type { GetInstanceDetailResponse } from '../../cas/instance-schemas.ts';
import { findPendingInstance } from '../../cas/instances.ts';
import { isAppError } from '../../errors.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import type { ThreadEvent } from '../../renewals/thread-events.ts';
import { type RenewalJobData, type Step, type StepContext, tell } from '../step-context.ts';
import { retryTransient, transientMessage } from './transient.ts';

/**
 * From `submitted`: submits the new order's application, as CAS requires after a renewal. Finds the instance
 * behind the new order, reads it (an instance no longer `inactive` already has its application), sets the
 * application (UpdateInstance, idempotent), claims durably, then calls ApplyCertificate once. When the instance
 * calls are refused or the instance cannot be found, the thread says how to apply in the console and the order is
 * followed as before: no dead end.
 */
export async function applyStep(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  const { store, cas, now, timings, pollDelay, needsAttention } = ctx;
  const newOrderId = record.newOrderId;
  if (!newOrderId) return needsAttention(record, { code: 'no_new_order_id' });
  const options = signal ? { signal } : {};
  const byHand = async (why: Extract<ThreadEvent, { type: 'apply_by_hand' }>['why'], casCode?: string) => {
    const result = await store.transition(record.id, 'apply_by_hand', {
      actor: 'worker',
      detail: casCode ? `${why}: ${casCode}` : why,
      // casState `payed` is what the order shows now: the poll does not post "pending application" again.
      fields: { applyMode: 'manual', casState: 'payed' },
      notify: [
        tell({
          type: 'apply_by_hand',
          newOrderId,
          ...(record.instanceId ? { instanceId: record.instanceId } : {}),
          why,
          ...(casCode ? { casCode } : {}),
        }),
      ],
    });
    return result.ok ? ({ kind: 'later', ms: pollDelay(0) } as const) : ({ kind: 'again' } as const);
  };

  let instanceId = record.instanceId;
  if (!instanceId) {
    let found: string | undefined;
    try {
      found = (await findPendingInstance(cas, newOrderId, record.domain, options))?.instanceId;
    } catch (err) {
      // Only CAS's own refusal makes it a person's job; a Redis blip or an unreadable listing is tried again.
      if (isCasRefusal(err)) return byHand('instance_api_refused', err.casCode);
      return (
        retryTransient(ctx, data, record.id, err) ??
        needsAttention(record, { code: 'state_unavailable', newOrderId, message: transientMessage(err) })
      );
    }
    if (!found) {
      // A new order may take a moment to be listed; then a person applies.
      data.instanceLookups = (data.instanceLookups ?? 0) + 1;
      if (record.application && data.instanceLookups < timings.maxReconciles)
        return { kind: 'later', ms: timings.reconcileSettleMs };
      return byHand(record.application ? 'instance_not_listed' : 'manual');
    }
    const result = await store.transition(record.id, 'instance_found', {
      actor: 'worker',
      detail: `instance ${found}`,
      fields: { instanceId: found },
    });
    if (!result.ok) return { kind: 'again' };
    record = result.record;
    instanceId = found;
  }
  const application = record.application;
  if (!application) return byHand('manual');

  const detail = await readInstance(ctx, record, data, instanceId, options);
  if ('step' in detail) {
    if (detail.step !== 'refused') return detail.step;
    return byHand('instance_api_refused', detail.casCode);
  }
  if (detail.instance.Status !== 'inactive') return markApplied(ctx, record, instanceId, true);

  const retry = async (code: string, hintedMs: number | undefined): Promise<Step> => {
    const tries = (data.applyRetries ?? 0) + 1;
    data.applyRetries = tries;
    if (tries > timings.maxSubmitRetries) {
      return needsAttention(record, { code: 'apply_not_taken', newOrderId, instanceId, tries, last: code });
    }
    const delay = Math.max(hintedMs ?? 0, Math.min(300_000, timings.submitRetryBaseMs * 2 ** (tries - 1)));
    await store.transition(record.id, 'apply_not_executed', {
      actor: 'worker',
      detail: code,
      notify: [tell({ type: 'apply_retrying', code, at: now() + delay })],
    });
    return { kind: 'later', ms: delay };
  };

  // The claim comes first: from here on, a run that finds `applying` without `appliedAt` asks the instance, never
  // applies blindly, and no second run can reach UpdateInstance either (two runs after a stall would otherwise
  // both update an instance that one of them is about to apply, and CAS refuses changes to an application).
  let claimed: Awaited<ReturnType<typeof store.transition>>;
  try {
    claimed = await store.transition(record.id, 'applying', {
      actor: 'worker',
      fields: { applyingAt: now(), intentId: randomUUID() },
      notify: [
        tell({ type: 'applying', newOrderId, instanceId, application, csr: record.csrPem !== undefined }),
      ],
    });
  } catch (err) {
    if (isAppError(err) && err.code === 'CLAIM_LOST') return { kind: 'again' };
    if (!isAppError(err) || err.code !== 'REDIS_NOT_DURABLE') throw err;
    // The claim was written but may not survive a Redis crash: hand it back and apply on a later run.
    await store.transition(record.id, 'apply_not_executed', { actor: 'worker', detail: err.message });
    return { kind: 'later', ms: timings.submitRetryBaseMs };
  }
  if (!claimed.ok) return { kind: 'again' };
  record = claimed.record;

  try {
    await cas.updateInstance(
      {
        instanceId,
        domain: application.domain,
        csr: record.csrPem,
        validationMethod: application.validationMethod,
        keyAlgorithm: application.keyAlgorithm,
        contactIds: application.contactIds,
        companyId: application.companyId,
      },
      options,
    );
  } catch (err) {
    // `InvalidStatus.UpdateProtection`: the instance cannot be updated right now; CAS says to retry shortly.
    if (casReason(err) === 'update_protection' || (isAppError(err) && err.retryable))
      return retry(errorCode(err), retryAfterMs(err));
    if (isInstanceApiRefusal(err)) return byHand('instance_api_refused', err.casCode);
    if (isCasRefusal(err)) return refused(ctx, record, instanceId, err);
    // Not CAS's answer (an unreadable body, Redis failing around the call): UpdateInstance is safe to send again.
    return retry(errorCode(err), undefined);
  }

  ctx.logger.info({ recordId: record.id, newOrderId, instanceId }, 'calling ApplyCertificate');
  try {
    await cas.applyCertificate(instanceId, options);
  } catch (err) {
    const outcome = casOutcome(err);
    if (outcome === 'not_executed') return retry(errorCode(err), retryAfterMs(err));
    if (outcome === 'rejected') {
      // Refused: perhaps because someone applied in the console meanwhile. The instance says which.
      const after = await readInstance(ctx, record, data, instanceId, options);
      if (!('step' in after) && after.instance.Status !== 'inactive')
        return markApplied(ctx, record, instanceId, true);
      return refused(ctx, record, instanceId, err);
    }
    await store.transition(record.id, 'apply_outcome_unknown', {
      actor: 'worker',
      detail: isAppError(err) ? err.message : 'unexpected error',
    });
    ctx.logger.warn(
      { recordId: record.id, instanceId },
      'application outcome unknown; will check the instance',
    );
    return { kind: 'later', ms: timings.casTimeoutMs + timings.reconcileSettleMs };
  }
  return markApplied(ctx, record, instanceId, false);
}

/**
 * From `applying` without a confirmed application (a crash or a lost answer after the claim): once the call is
 * certainly over, the instance decides. Still `inactive`: it did not happen, back to `submitted` to apply again.
 * Anything else: it did.
 */
export async function applyReconcileStep(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  const { store, now, timings, needsAttention } = ctx;
  const instanceId = record.instanceId;
  if (!instanceId || !record.newOrderId) return needsAttention(record, { code: 'no_new_order_id' });
  const settledAt =
    (record.applyingAt ?? record.updatedAt ?? now()) + timings.casTimeoutMs + timings.reconcileSettleMs;
  if (now() < settledAt) return { kind: 'later', ms: settledAt - now() };
  const detail = await readInstance(ctx, record, data, instanceId, signal ? { signal } : {});
  if ('step' in detail) {
    if (detail.step !== 'refused') return detail.step;
    return needsAttention(record, {
      code: 'state_unavailable',
      newOrderId: record.newOrderId,
      message: `GetInstanceDetail refused: ${detail.casCode}`,
    });
  }
  if (detail.instance.Status !== 'inactive') return markApplied(ctx, record, instanceId, false);
  // Moved or not (another run may have got there first), the next step reads the record again.
  await store.transition(record.id, 'apply_not_executed', {
    actor: 'worker',
    detail: 'instance still inactive: the application was not submitted',
  });
  return { kind: 'again' };
}

async function markApplied(
  ctx: StepContext,
  record: RenewalRecord,
  instanceId: string,
  byHand: boolean,
): Promise<Step> {
  const newOrderId = record.newOrderId as string;
  const result = await ctx.store.transition(record.id, 'applied', {
    actor: 'worker',
    detail: byHand ? 'the instance already has its application' : 'ApplyCertificate accepted',
    fields: { appliedAt: ctx.now() },
    notify: [tell({ type: 'applied', newOrderId, instanceId, byHand })],
  });
  ctx.logger.info({ recordId: record.id, newOrderId, instanceId, byHand }, 'application submitted');
  return result.ok ? { kind: 'later', ms: ctx.pollDelay(0) } : { kind: 'again' };
}

async function refused(
  ctx: StepContext,
  record: RenewalRecord,
  instanceId: string,
  err: unknown,
): Promise<Step> {
  return ctx.needsAttention(record, {
    code: 'apply_refused',
    newOrderId: record.newOrderId as string,
    instanceId,
    casCode: errorCode(err),
    casMessage:
      err instanceof CasApiError ? err.casMessage : isAppError(err) ? err.message : 'unexpected error',
  });
}

/** GetInstanceDetail, or what to do instead: try later (bounded), or the instance API refused. */
async function readInstance(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  instanceId: string,
  options: { signal?: AbortSignal },
): Promise<{ instance: GetInstanceDetailResponse } | { step: Step } | { step: 'refused'; casCode: string }> {
  try {
    const instance = await ctx.cas.getInstanceDetail(instanceId, options);
    data.pollErrors = 0;
    return { instance };
  } catch (err) {
    if (isInstanceApiRefusal(err)) return { step: 'refused', casCode: err.casCode };
    if (!isCasRefusal(err)) {
      data.pollErrors = (data.pollErrors ?? 0) + 1;
      if (data.pollErrors <= ctx.timings.maxPollErrors)
        return { step: { kind: 'later', ms: ctx.pollDelay(data.polls ?? 0) } };
    }
    return {
      step: await ctx.needsAttention(record, {
        code: 'state_unavailable',
        newOrderId: record.newOrderId as string,
        message: transientMessage(err),
      }),
    };
  }
}
