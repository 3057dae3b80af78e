import { randomUUID } from 'node:crypto';
import { CasApiError, casReason, errorCode, isCasRefusal, isInstanceApiRefusal } from '../../cas/errors.ts';
import type { InstanceApplication } from '../../cas/instance-api.ts';
import type { GetInstanceDetailResponse } from '../../cas/instance-schemas.ts';
import { findPendingInstance } from '../../cas/instances.ts';
import { isAppError } from '../../errors.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import type { ThreadEvent } from '../../renewals/thread-events.ts';
import { type NotExecuted, type OnceOnly, onceOnly, reconcileOnce, retryNotExecuted } from '../once-only.ts';
import { type RenewalJobData, type Step, type StepContext, type StepRun, tell } from '../step-context.ts';
import { retryTransient, transientMessage } from './transient.ts';

type Application = NonNullable<RenewalRecord['application']>;
type ByHandWhy = Extract<ThreadEvent, { type: 'apply_by_hand' }>['why'];

/**
 * From `submitted`: submits the new order's application, as CAS requires after a renewal. Finds the instance
 * behind the new order, reads it (an instance no longer `inactive` already has its application), claims durably,
 * sets the application (UpdateInstance, idempotent), then calls ApplyCertificate once. When the instance calls are
 * refused or the instance cannot be found, the thread says how to apply in the console and the order is followed
 * as before: no dead end.
 */
export async function applyStep(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  if (!record.newOrderId) return ctx.needsAttention(record, { code: 'no_new_order_id' });
  const options = signal ? { signal } : {};
  const found = record.instanceId
    ? record
    : await findInstance(ctx, record, data, record.newOrderId, options);
  if (!('id' in found)) return found;
  record = found;
  const instanceId = record.instanceId as string;
  const application = record.application;
  if (!application) return byHand(ctx, record, 'manual');
  const detail = await readInstance(ctx, record, data, instanceId, options);
  if ('step' in detail) {
    if (detail.step !== 'refused') return detail.step;
    return byHand(ctx, record, 'instance_api_refused', detail.casCode);
  }
  if (detail.instance.Status !== 'inactive') return markApplied(ctx, record, instanceId, true);
  return onceOnly(ctx, record, data, applying(ctx, record, data, { instanceId, application, options }));
}

/**
 * The instance behind the new order, recorded (the record with it), or the step to take: try later while a new
 * order may not be listed yet, else a person applies in the console.
 */
async function findInstance(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  newOrderId: string,
  options: { signal?: AbortSignal },
): Promise<RenewalRecord | Step> {
  let found: string | undefined;
  try {
    found = (await findPendingInstance(ctx.cas, newOrderId, record.domain, options))?.instanceId;
  } catch (err) {
    // Only CAS's own refusal makes it a person's job; a Redis blip or an unreadable listing is tried again.
    if (isCasRefusal(err)) return byHand(ctx, record, 'instance_api_refused', err.casCode);
    return (
      retryTransient(ctx, data, record.id, err) ??
      ctx.needsAttention(record, { code: 'state_unavailable', newOrderId, message: transientMessage(err) })
    );
  }
  if (!found) {
    // A new order may take a moment to be listed; then a person applies.
    data.instanceLookups = (data.instanceLookups ?? 0) + 1;
    if (record.application && data.instanceLookups < ctx.timings.maxReconciles)
      return { kind: 'later', ms: ctx.timings.reconcileSettleMs };
    return byHand(ctx, record, record.application ? 'instance_not_listed' : 'manual');
  }
  const result = await ctx.store.transition(record.id, 'instance_found', {
    actor: 'worker',
    detail: `instance ${found}`,
    fields: { instanceId: found },
  });
  return result.ok ? result.record : { kind: 'again' };
}

/**
 * UpdateInstance + ApplyCertificate as an exactly-once call. The claim comes first: from then on, a run that finds
 * `applying` without `appliedAt` asks the instance, never applies blindly, and no second run can reach
 * UpdateInstance either (two runs after a stall would otherwise both update an instance that one of them is about
 * to apply, and CAS refuses changes to an application).
 */
function applying(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  {
    instanceId,
    application,
    options,
  }: { instanceId: string; application: Application; options: { signal?: AbortSignal } },
): OnceOnly<unknown> {
  const { store, cas, now } = ctx;
  const newOrderId = record.newOrderId as string;
  const notExecuted = applyNotExecuted(ctx, record, newOrderId, instanceId);
  return {
    action: 'ApplyCertificate',
    logFields: { newOrderId, instanceId },
    claim: () =>
      store.transition(record.id, 'applying', {
        actor: 'worker',
        fields: { applyingAt: now(), intentId: randomUUID() },
        notify: [
          tell({ type: 'applying', newOrderId, instanceId, application, csr: record.csrPem !== undefined }),
        ],
      }),
    async before() {
      try {
        await cas.updateInstance(applicationInput(record, instanceId, application), options);
        return undefined;
      } catch (err) {
        if (isInstanceApiRefusal(err)) return byHand(ctx, record, 'instance_api_refused', err.casCode);
        // `InvalidStatus.UpdateProtection`: the instance cannot be updated right now; CAS says to retry shortly.
        // Not CAS's refusal at all (throttled, an unreadable body, Redis failing around the call): UpdateInstance
        // is safe to send again.
        if (isCasRefusal(err) && casReason(err) !== 'update_protection') return refused(ctx, record, err);
        return retryNotExecuted(ctx, record, data, notExecuted, err);
      }
    },
    call: () => cas.applyCertificate(instanceId, options),
    record: () => applied(ctx, record, instanceId, false),
    afterwards: async (written) => appliedStep(ctx, record, instanceId, false, written.ok),
    async refused(err) {
      // Refused: perhaps because someone applied in the console meanwhile. The instance says which.
      const after = await readInstance(ctx, record, data, instanceId, options);
      if (!('step' in after) && after.instance.Status !== 'inactive')
        return markApplied(ctx, record, instanceId, true);
      return refused(ctx, record, err);
    },
    notExecuted,
    unknown: { move: 'apply_outcome_unknown', log: 'application outcome unknown; will check the instance' },
  };
}

/**
 * From `applying` without a confirmed application (a crash or a lost answer after the claim): once the call is
 * certainly over, the instance decides. Still `inactive`: it did not happen, back to `submitted` to apply again.
 * Anything else: it did.
 */
export const applyReconcileStep: StepRun<RenewalRecord> = async (ctx, record, data, signal) => {
  const { store, needsAttention } = ctx;
  const instanceId = record.instanceId;
  const newOrderId = record.newOrderId;
  if (!instanceId || !newOrderId) return needsAttention(record, { code: 'no_new_order_id' });
  return reconcileOnce(ctx, record, record.applyingAt, async () => {
    const detail = await readInstance(ctx, record, data, instanceId, signal ? { signal } : {});
    if ('step' in detail) {
      if (detail.step !== 'refused') return detail.step;
      const message = `GetInstanceDetail refused: ${detail.casCode}`;
      return needsAttention(record, { code: 'state_unavailable', newOrderId, message });
    }
    if (detail.instance.Status !== 'inactive') return markApplied(ctx, record, instanceId, false);
    // Moved or not (another run may have got there first), the next step reads the record again.
    await store.transition(record.id, 'apply_not_executed', {
      actor: 'worker',
      detail: 'instance still inactive: the application was not submitted',
    });
    return { kind: 'again' };
  });
};

/** The thread says how to apply in the console; the order is followed as before. */
async function byHand(
  ctx: StepContext,
  record: RenewalRecord,
  why: ByHandWhy,
  casCode?: string,
): Promise<Step> {
  const result = await ctx.store.transition(record.id, 'apply_by_hand', {
    actor: 'worker',
    detail: casCode ? `${why}: ${casCode}` : why,
    // casState `payed` is what the order shows now: the poll does not post "pending application" again.
    fields: { applyMode: 'manual', casState: 'payed' },
    notify: [
      tell({
        type: 'apply_by_hand',
        newOrderId: record.newOrderId as string,
        ...(record.instanceId ? { instanceId: record.instanceId } : {}),
        why,
        ...(casCode ? { casCode } : {}),
      }),
    ],
  });
  return result.ok ? { kind: 'later', ms: ctx.pollDelay(0) } : { kind: 'again' };
}

/** Records that the instance has its application: CAS accepted it, or it was there already (`byHand`). */
function applied(ctx: StepContext, record: RenewalRecord, instanceId: string, byHand: boolean) {
  return ctx.store.transition(record.id, 'applied', {
    actor: 'worker',
    detail: byHand ? 'the instance already has its application' : 'ApplyCertificate accepted',
    fields: { appliedAt: ctx.now() },
    notify: [tell({ type: 'applied', newOrderId: record.newOrderId as string, instanceId, byHand })],
  });
}

function appliedStep(
  ctx: StepContext,
  record: RenewalRecord,
  instanceId: string,
  byHand: boolean,
  ok: boolean,
) {
  const newOrderId = record.newOrderId;
  ctx.logger.info({ recordId: record.id, newOrderId, instanceId, byHand }, 'application submitted');
  return ok ? ({ kind: 'later', ms: ctx.pollDelay(0) } as const) : ({ kind: 'again' } as const);
}

async function markApplied(
  ctx: StepContext,
  record: RenewalRecord,
  instanceId: string,
  byHand: boolean,
): Promise<Step> {
  const result = await applied(ctx, record, instanceId, byHand);
  return appliedStep(ctx, record, instanceId, byHand, result.ok);
}

async function refused(ctx: StepContext, record: RenewalRecord, err: unknown): Promise<Step> {
  return ctx.needsAttention(record, {
    code: 'apply_refused',
    newOrderId: record.newOrderId as string,
    instanceId: record.instanceId as string,
    casCode: errorCode(err),
    casMessage:
      err instanceof CasApiError ? err.casMessage : isAppError(err) ? err.message : 'unexpected error',
  });
}

/** What UpdateInstance is sent: the planned application, with the request's CSR when it has one. */
export function applicationInput(
  record: RenewalRecord,
  instanceId: string,
  application: Application,
): InstanceApplication {
  return {
    instanceId,
    domain: application.domain,
    csr: record.csrPem,
    validationMethod: application.validationMethod,
    keyAlgorithm: application.keyAlgorithm,
    contactIds: application.contactIds,
    companyId: application.companyId,
  };
}

/** GetInstanceDetail, or what to do instead: try later (bounded), or the instance API refused. */
export async function readInstance(
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
        newOrderId: record.newOrderId ?? instanceId,
        message: transientMessage(err),
      }),
    };
  }
}

/** An ApplyCertificate CAS did not take: retried (bounded), then a person is told (a rotation's too). */
export function applyNotExecuted(
  ctx: StepContext,
  record: RenewalRecord,
  newOrderId: string,
  instanceId: string,
): NotExecuted {
  return {
    counter: 'applyRetries',
    move: 'apply_not_executed',
    reason: (err) => errorCode(err),
    event: (code, at) => ({ type: 'apply_retrying', code, at }),
    gaveUp: (tries, last) =>
      ctx.needsAttention(record, { code: 'apply_not_taken', newOrderId, instanceId, tries, last }),
  };
}
