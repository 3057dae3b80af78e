import { randomUUID } from 'node:crypto';
import { casReason, isCasRefusal } from '../../cas/errors.ts';
import type { GetInstanceDetailResponse } from '../../cas/instance-schemas.ts';
import { applicationChanges } from '../../cas/instance-settings.ts';
import type { GetTaskAttributeResponse } from '../../cas/subscription-schemas.ts';
import type { ApplicationPlan } from '../../renewals/application.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import { type OnceOnly, onceOnly, reconcileOnce, retryNotExecuted } from '../once-only.ts';
import { type RenewalJobData, type Step, type StepContext, type StepRun, tell } from '../step-context.ts';
import { applicationInput, applyNotExecuted, readInstance } from './apply.ts';
import { transientMessage } from './transient.ts';

type Options = { signal?: AbortSignal };
/** A task CAS does not know (`NotFound`: the instance never applied) reads as `none`. */
type Task = GetTaskAttributeResponse | { TaskStatus: 'none'; TaskMessage?: undefined };

/** GetTaskAttribute of the instance's application (its task is named by the instance), or the step instead. */
export async function readTask(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  instanceId: string,
  options: Options,
): Promise<Task | Step> {
  try {
    const task = await ctx.cas.getTaskAttribute(instanceId, 'ApplyCertificate', options);
    data.pollErrors = 0;
    return task;
  } catch (err) {
    if (casReason(err) === 'not_found') return { TaskStatus: 'none' };
    if (!isCasRefusal(err)) {
      data.pollErrors = (data.pollErrors ?? 0) + 1;
      if (data.pollErrors <= ctx.timings.maxPollErrors)
        return { kind: 'later', ms: ctx.pollDelay(data.polls ?? 0) };
    }
    const message = transientMessage(err);
    return ctx.needsAttention(record, { code: 'state_unavailable', newOrderId: instanceId, message });
  }
}

/** Instance statuses in which a rotation cannot finish (SDK GetInstanceDetailResponseBody.Status). */
export const endedStatuses: readonly string[] = ['expired', 'refund', 'closed'];

/**
 * The certificate a rotation issued: CAS shows `CertificateStatus=issued` AND a `CertificateId` other than the one
 * before the rotation. A withdrawn application leaves the instance `normal` with its old one: not issued.
 */
export function newCertificate(
  record: RenewalRecord,
  instance: GetInstanceDetailResponse,
): string | undefined {
  const id = instance.CertificateId;
  return instance.CertificateStatus === 'issued' && id !== undefined && id !== record.certIdBefore
    ? id
    : undefined;
}

/** Whether the instance has an application under way, or already issued since the rotation started. */
const underWay = (record: RenewalRecord, instance: GetInstanceDetailResponse) =>
  instance.Status === 'pending' || newCertificate(record, instance) !== undefined;

/**
 * From `submitted` (a rotation): the subscription's next application. Reads the instance (one under way is
 * followed, never applied again), claims durably, sends UpdateInstance only when the settings differ, then
 * ApplyCertificate once: the exactly-once skeleton of once-only.ts, as for the paid call.
 */
export async function rotateStep(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  const { instanceId, application } = record;
  if (!instanceId || !application) return ctx.needsAttention(record, { code: 'no_new_order_id' });
  const options = signal ? { signal } : {};
  const read = await readInstance(ctx, record, data, instanceId, options);
  if ('step' in read) {
    if (read.step !== 'refused') return read.step;
    return rotationFailed(ctx, record, `the instance API refused: ${read.casCode}`, read.casCode);
  }
  const instance = read.instance;
  if (underWay(record, instance)) return markApplied(ctx, record, instanceId, true);
  if (endedStatuses.includes(instance.Status ?? ''))
    return ctx.needsAttention(record, { code: 'rotation_ended', instanceId, status: instance.Status ?? '' });
  return onceOnly(
    ctx,
    record,
    data,
    rotation(ctx, record, data, { instanceId, application, instance, options }),
  );
}

function rotation(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  p: {
    instanceId: string;
    application: ApplicationPlan;
    instance: GetInstanceDetailResponse;
    options: Options;
  },
): OnceOnly<unknown> {
  const { instanceId, application, options } = p;
  const notExecuted = applyNotExecuted(ctx, record, instanceId, instanceId);
  return {
    action: 'ApplyCertificate',
    logFields: { instanceId, rotation: true },
    claim: () =>
      ctx.store.transition(record.id, 'applying', {
        actor: 'worker',
        fields: { applyingAt: ctx.now(), intentId: randomUUID() },
        notify: [
          tell({
            type: 'rotation_applying',
            instanceId,
            certIdBefore: record.certIdBefore,
            application,
            csr: record.csrPem !== undefined,
          }),
        ],
      }),
    async before() {
      if (applicationChanges(p.instance, { ...application, csr: record.csrPem }).length === 0)
        return undefined;
      try {
        await ctx.cas.updateInstance(applicationInput(record, instanceId, application), options);
        return undefined;
      } catch (err) {
        // `InvalidStatus.UpdateProtection` says to retry shortly; anything not CAS's refusal is safe to send again.
        if (isCasRefusal(err) && casReason(err) !== 'update_protection')
          return rotationFailed(ctx, record, err.casMessage, err.casCode);
        return retryNotExecuted(ctx, record, data, notExecuted, err);
      }
    },
    call: () => ctx.cas.applyCertificate(instanceId, options),
    record: () => applied(ctx, record, instanceId, false),
    afterwards: async (written) => appliedStep(ctx, written.ok),
    async refused(err) {
      // Refused perhaps because an application is under way already (hosting, the console): the instance says.
      const after = await readInstance(ctx, record, data, instanceId, options);
      if (!('step' in after) && underWay(record, after.instance))
        return markApplied(ctx, record, instanceId, true);
      return rotationFailed(ctx, record, err.casMessage, err.casCode);
    },
    notExecuted,
    unknown: { move: 'apply_outcome_unknown', log: 'rotation application outcome unknown; will ask CAS' },
  };
}

/**
 * From `applying` without a confirmed application (a crash, a lost answer): once the call is certainly over, CAS
 * decides, never a second call. An application under way (`Status=pending`), a new certificate or a running task:
 * it happened. A failed task: it may be this one's or an older one's, so a person checks. Nothing of the kind: it
 * did not happen, back to `submitted` to apply.
 */
export const rotationCheckStep: StepRun<RenewalRecord> = async (ctx, record, data, signal) => {
  const instanceId = record.instanceId;
  if (!instanceId) return ctx.needsAttention(record, { code: 'no_new_order_id' });
  const options = signal ? { signal } : {};
  return reconcileOnce(ctx, record, record.applyingAt, async () => {
    const read = await readInstance(ctx, record, data, instanceId, options);
    if ('step' in read) {
      if (read.step !== 'refused') return read.step;
      return ctx.needsAttention(record, { code: 'rotation_unconfirmed', instanceId, taskMessage: undefined });
    }
    if (underWay(record, read.instance)) return markApplied(ctx, record, instanceId, false);
    const task = await readTask(ctx, record, data, instanceId, options);
    if ('kind' in task) return task;
    if (task.TaskStatus === 'processing') return markApplied(ctx, record, instanceId, false);
    if (task.TaskStatus === 'failed')
      return ctx.needsAttention(record, {
        code: 'rotation_unconfirmed',
        instanceId,
        taskMessage: task.TaskMessage,
      });
    await ctx.store.transition(record.id, 'apply_not_executed', {
      actor: 'worker',
      detail: 'no application under way and the same certificate: ApplyCertificate was not taken',
    });
    return { kind: 'again' };
  });
};

/** Records that CAS has the rotation's application. */
function applied(ctx: StepContext, record: RenewalRecord, instanceId: string, byHand: boolean) {
  return ctx.store.transition(record.id, 'applied', {
    actor: 'worker',
    detail: byHand ? 'the instance already has an application under way' : 'ApplyCertificate accepted',
    fields: { appliedAt: ctx.now() },
    notify: [tell({ type: 'rotation_applied', instanceId, byHand })],
  });
}

const appliedStep = (ctx: StepContext, ok: boolean): Step =>
  ok ? { kind: 'later', ms: ctx.pollDelay(0) } : { kind: 'again' };

async function markApplied(ctx: StepContext, record: RenewalRecord, instanceId: string, byHand: boolean) {
  ctx.logger.info({ recordId: record.id, instanceId, byHand }, 'rotation application submitted');
  return appliedStep(ctx, (await applied(ctx, record, instanceId, byHand)).ok);
}

/** The rotation ends `failed`, with CAS's words (a task's TaskMessage, or its refusal), escaped where rendered. */
export async function rotationFailed(
  ctx: StepContext,
  record: RenewalRecord,
  message: string,
  casCode?: string,
): Promise<Step> {
  const instanceId = record.instanceId as string;
  const result = await ctx.store.transition(record.id, 'application_failed', {
    actor: 'worker',
    detail: casCode ? `${casCode}: ${message}` : message,
    fields: { detail: `CAS: ${casCode ? `${casCode}: ` : ''}${message}`.slice(0, 300) },
    notify: [tell({ type: 'rotation_failed', instanceId, message, ...(casCode ? { casCode } : {}) })],
  });
  ctx.logger.warn({ recordId: record.id, instanceId, casCode }, 'rotation failed');
  return result.ok ? { kind: 'done' } : { kind: 'again' };
}
