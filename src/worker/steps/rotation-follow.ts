import type { GetInstanceDetailResponse } from '../../cas/instance-schemas.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import type { ThreadEvent } from '../../renewals/thread-events.ts';
import { isAt, type TransitionName } from '../../renewals/transitions.ts';
import { type RenewalJobData, type Step, type StepContext, type StepRun, tell } from '../step-context.ts';
import { readInstance } from './apply.ts';
import { issued } from './issuance.ts';
import { instanceValidation } from './poll.ts';
import { endedStatuses, newCertificate, readTask, rotationFailed } from './rotate.ts';

/**
 * From `applying` (applied), `validating` or `reviewing` (a rotation): the application's task until it ends (on
 * `failed` the request fails with its TaskMessage, this poll), then the instance: its validation record, the CA's
 * review, and issuance only by a new CertificateId.
 */
export const rotationPollStep: StepRun<RenewalRecord> = async (ctx, record, data, signal) => {
  const instanceId = record.instanceId;
  if (!instanceId) return ctx.needsAttention(record, { code: 'no_new_order_id' });
  const options = signal ? { signal } : {};
  const next: Step = { kind: 'later', ms: ctx.pollDelay(data.polls ?? 0) };
  data.polls = (data.polls ?? 0) + 1;
  if (!data.taskSucceeded) {
    const task = await readTask(ctx, record, data, instanceId, options);
    if ('kind' in task) return task;
    if (task.TaskStatus === 'failed')
      return rotationFailed(ctx, record, task.TaskMessage ?? 'the application task failed');
    if (task.TaskStatus !== 'success') return stalledOr(ctx, record, next, task.TaskStatus);
    data.taskSucceeded = true;
  }
  const read = await readInstance(ctx, record, data, instanceId, options);
  if ('step' in read) {
    if (read.step !== 'refused') return read.step;
    const message = `GetInstanceDetail refused: ${read.casCode}`;
    return ctx.needsAttention(record, { code: 'state_unavailable', newOrderId: instanceId, message });
  }
  return followInstance(ctx, record, data, { instance: read.instance, next, signal });
};

/** Past the polling deadline without a final state a person looks; otherwise the next poll. */
function stalledOr(ctx: StepContext, record: RenewalRecord, next: Step, state: string): Promise<Step> | Step {
  const since = record.appliedAt ?? record.updatedAt ?? ctx.now();
  if (ctx.now() - since <= ctx.timings.deadlineMs) return next;
  const days = Math.floor((ctx.now() - since) / 86_400_000);
  return ctx.needsAttention(record, { code: 'stalled', newOrderId: record.instanceId ?? '', state, days });
}

async function followInstance(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  p: { instance: GetInstanceDetailResponse; next: Step; signal: AbortSignal | undefined },
): Promise<Step> {
  const { instance, next } = p;
  const instanceId = record.instanceId as string;
  const status = instance.Status ?? '';
  const newCertId = newCertificate(record, instance);
  if (newCertId) {
    const event = {
      type: 'rotation_issued',
      instanceId,
      newCertId,
      certIdBefore: record.certIdBefore,
    } as const;
    const fields = { casState: 'issued', detail: `certificate ${newCertId}` };
    return issued(ctx, record, data, event, fields, newCertId, p.signal);
  }
  if (endedStatuses.includes(status))
    return ctx.needsAttention(record, { code: 'rotation_ended', instanceId, status });
  // Not under way any more and no new certificate: withdrawn (normal again, with the old one). Never "issued".
  if (status !== 'pending') {
    const reason = {
      code: 'rotation_withdrawn',
      instanceId,
      certId: instance.CertificateId,
      status,
    } as const;
    return ctx.needsAttention(record, reason);
  }
  const move = (name: TransitionName, event: ThreadEvent, fields: Partial<RenewalRecord> = {}) =>
    ctx.store.transition(record.id, name, {
      actor: 'worker',
      fields: { casState: status, ...fields },
      notify: [tell(event)],
    });
  const first = instance.DomainValidationList.map(instanceValidation).find((v) => v !== undefined);
  if (first) {
    const key = JSON.stringify(first);
    if (!isAt(record, 'domain_validation') || record.validationKey !== key) {
      const domain = record.domain ? { domain: record.domain } : {};
      await move(
        'domain_validation',
        { type: 'validation', validation: first, ...domain },
        { validationKey: key },
      );
    }
    return stalledOr(ctx, record, next, status);
  }
  // The records are gone after validation while CAS still shows the application: the CA is reviewing it.
  if (isAt(record, 'domain_validation')) await move('ca_review', { type: 'rotation_reviewing', instanceId });
  return stalledOr(ctx, record, next, status);
}
