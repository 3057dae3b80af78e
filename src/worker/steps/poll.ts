import type { CasClient } from '../../cas/client.ts';
import type { InstanceValidation } from '../../cas/instance-schemas.ts';
import type { DomainValidation } from '../../cas/order-schemas.ts';
import { isAppError } from '../../errors.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import type { Notice } from '../../renewals/store.ts';
import type { ThreadEvent } from '../../renewals/thread-events.ts';
import { isAt, type TransitionName } from '../../renewals/transitions.ts';
import { summariseCertificate } from '../cert-summary.ts';
import { type RenewalJobData, type Step, type StepContext, tell } from '../step-context.ts';
import { issued } from './issuance.ts';

type CasState = Awaited<ReturnType<CasClient['describeCertificateState']>>;

/** From `submitted`, `validating` or `reviewing`: asks CAS for the new order's state and posts each change once. */
export async function pollStep(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  const newOrderId = record.newOrderId;
  if (!newOrderId) return ctx.needsAttention(record, { code: 'no_new_order_id' });
  const state = await readState(ctx, record, data, newOrderId, signal);
  if ('kind' in state) return state;
  data.pollErrors = 0;
  data.polls = (data.polls ?? 0) + 1;
  // The deadline is checked after asking CAS, so a certificate issued just past it still counts as issued.
  const since = record.submittedAt ?? record.updatedAt ?? ctx.now();
  if (
    state.type !== 'certificate' &&
    state.type !== 'verify_fail' &&
    ctx.now() - since > ctx.timings.deadlineMs
  ) {
    const days = Math.floor((ctx.now() - since) / 86_400_000);
    const shown = state.type === 'other' ? state.rawType : state.type;
    return ctx.needsAttention(
      record,
      { code: 'stalled', newOrderId, state: shown, days },
      { casState: shown },
    );
  }
  if (state.type !== 'unknow') data.unknowns = 0;
  return onState(ctx, record, data, { state, newOrderId, signal });
}

/** DescribeCertificateState of the new order; or the step to take when CAS cannot say now (retried, then a person). */
async function readState(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  newOrderId: string,
  signal: AbortSignal | undefined,
): Promise<CasState | Step> {
  try {
    return await ctx.cas.describeCertificateState(newOrderId, signal ? { signal } : {});
  } catch (err) {
    if (isAppError(err) && err.retryable) {
      data.pollErrors = (data.pollErrors ?? 0) + 1;
      if (data.pollErrors <= ctx.timings.maxPollErrors)
        return { kind: 'later', ms: ctx.pollDelay(data.polls ?? 0) };
    }
    return ctx.needsAttention(record, {
      code: 'state_unavailable',
      newOrderId,
      message: isAppError(err) ? err.message : 'unexpected error',
    });
  }
}

/** What the order's state calls for: a move posted once per change, issuance, or a person. */
async function onState(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  { state, newOrderId, signal }: { state: CasState; newOrderId: string; signal: AbortSignal | undefined },
): Promise<Step> {
  const next: Step = { kind: 'later', ms: ctx.pollDelay(data.polls ?? 0) };
  const move = (name: TransitionName, event: ThreadEvent, fields: Partial<RenewalRecord> = {}) =>
    ctx.store.transition(record.id, name, {
      actor: 'worker',
      fields: { casState: state.type, ...fields },
      notify: [tell(event)],
    });
  switch (state.type) {
    case 'payed':
      // Applied, but the order still says pending: the instance is the authority (DescribeCertificateState may
      // not follow it, §7), in every state after the application.
      if (record.appliedAt !== undefined && record.instanceId)
        return followInstance(ctx, record, data, record.instanceId, next, signal);
      if (record.casState !== 'payed')
        await move('pending_application', { type: 'pending_application', newOrderId });
      return next;
    case 'domain_verify': {
      const key = JSON.stringify(state.validation);
      if (!isAt(record, 'domain_validation') || record.validationKey !== key) {
        const domain = record.domain ? { domain: record.domain } : {};
        await move(
          'domain_validation',
          { type: 'validation', validation: state.validation, ...domain },
          {
            validationKey: key,
          },
        );
      }
      return next;
    }
    case 'process':
      if (!isAt(record, 'ca_review')) await move('ca_review', { type: 'reviewing', newOrderId });
      return next;
    case 'certificate':
      return certificateIssued(ctx, record, data, { state, newOrderId, signal });
    case 'verify_fail':
      await move(
        'review_failed',
        { type: 'review_failed', newOrderId },
        { detail: 'CA review failed (verify_fail)' },
      );
      ctx.logger.warn({ recordId: record.id, newOrderId }, 'renewal failed: CA review failed');
      return { kind: 'done' };
    case 'unknow':
      data.unknowns = (data.unknowns ?? 0) + 1;
      if (data.unknowns <= ctx.timings.maxUnknowns) return next;
      return ctx.needsAttention(
        record,
        { code: 'unknow_repeated', newOrderId, times: data.unknowns },
        { casState: 'unknow' },
      );
    case 'other':
      return ctx.needsAttention(
        record,
        { code: 'undocumented_state', newOrderId, state: state.rawType },
        { casState: state.rawType },
      );
  }
}

/** The order's certificate is issued: its summary (not-after, SHA-256) goes with the issuance. */
async function certificateIssued(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  {
    state,
    newOrderId,
    signal,
  }: {
    state: Extract<CasState, { type: 'certificate' }>;
    newOrderId: string;
    signal: AbortSignal | undefined;
  },
): Promise<Step> {
  const summary = await summariseCertificate(state.certificatePem).catch(() => undefined);
  const certificate = summary && { ...summary, notAfter: summary.notAfter.getTime() };
  return issued(
    ctx,
    record,
    data,
    {
      type: 'issued',
      newOrderId,
      casGeneratedKey: state.casGeneratedKey,
      ...(certificate ? { certificate } : {}),
    },
    {
      casState: state.type,
      detail: summary ? `not after ${summary.notAfter.toISOString()}` : undefined,
      ...(summary ? { newCertSha256: summary.sha256 } : {}),
    },
    state.certId,
    signal,
  );
}

/**
 * After the application, when DescribeCertificateState still says `payed`: reads the instance and moves on from
 * what it shows (validation records, review, issued).
 */
async function followInstance(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  instanceId: string,
  next: Step,
  signal: AbortSignal | undefined,
): Promise<Step> {
  const { store, cas } = ctx;
  const newOrderId = record.newOrderId as string;
  let instance: Awaited<ReturnType<CasClient['getInstanceDetail']>>;
  try {
    instance = await cas.getInstanceDetail(instanceId, signal ? { signal } : {});
  } catch {
    return next;
  }
  const move = (name: TransitionName, notify: Notice[], fields: Partial<RenewalRecord> = {}) =>
    store.transition(record.id, name, { actor: 'worker', fields: { casState: 'payed', ...fields }, notify });
  if (instance.CertificateStatus === 'issued' || instance.Status === 'normal') {
    return issued(
      ctx,
      record,
      data,
      { type: 'issued', newOrderId, casGeneratedKey: record.csrPem === undefined },
      {
        casState: 'payed',
        detail: instance.CertificateId ? `certificate ${instance.CertificateId}` : 'issued',
      },
      instance.CertificateId,
      signal,
    );
  }
  const records = instance.DomainValidationList.map(instanceValidation).filter((v) => v !== undefined);
  const first = records[0];
  if (first) {
    const key = JSON.stringify(first);
    if (!isAt(record, 'domain_validation') || record.validationKey !== key) {
      await move(
        'domain_validation',
        [
          tell({
            type: 'validation',
            validation: first,
            ...(record.domain ? { domain: record.domain } : {}),
          }),
        ],
        { validationKey: key },
      );
    }
    return next;
  }
  // Pending without records: they appear a few seconds after the application, or the CA is reviewing. Both wait.
  return next;
}

/** An instance's validation record as the thread shows it (TXT and CNAME as DNS records, HTTP as a file). */
export function instanceValidation(v: InstanceValidation): DomainValidation | undefined {
  if (!v.ValidationKey || v.ValidationValue === undefined) return undefined;
  if (v.ValidationType === 'HTTP') {
    return { kind: 'FILE', domain: v.Domain ?? '', uri: v.ValidationKey, content: v.ValidationValue };
  }
  const root = v.RootDomain;
  // The key is a host record relative to the root domain (`@`: the root itself; reference §7, item 6), made a full name.
  const key = v.ValidationKey;
  const name = !root || key.endsWith(root) ? key : key === '@' ? root : `${key}.${root}`;
  return {
    kind: 'DNS',
    recordDomain: name,
    recordType: v.ValidationType ?? 'TXT',
    recordValue: v.ValidationValue,
  };
}
