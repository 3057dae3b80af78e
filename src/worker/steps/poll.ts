import type { CasClient } from '../../cas/client.ts';
import type { InstanceValidation } from '../../cas/instance-schemas.ts';
import type { DomainValidation } from '../../cas/order-schemas.ts';
import { isAppError } from '../../errors.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import type { Notice } from '../../renewals/store.ts';
import { isAt, type TransitionName } from '../../renewals/transitions.ts';
import { summariseCertificate } from '../cert-summary.ts';
import { type RenewalJobData, type Step, type StepContext, tell } from '../step-context.ts';
import { issued } from './issuance.ts';

/** From `submitted`, `validating` or `reviewing`: asks CAS for the new order's state and posts each change once. */
export async function pollStep(
  ctx: StepContext,

  record: RenewalRecord,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  const { store, cas, logger, now, timings, pollDelay, needsAttention } = ctx;
  const newOrderId = record.newOrderId;
  if (!newOrderId) return needsAttention(record, { code: 'no_new_order_id' });
  let state: Awaited<ReturnType<CasClient['describeCertificateState']>>;
  try {
    state = await cas.describeCertificateState(newOrderId, signal ? { signal } : {});
  } catch (err) {
    if (isAppError(err) && err.retryable) {
      data.pollErrors = (data.pollErrors ?? 0) + 1;
      if (data.pollErrors <= timings.maxPollErrors) return { kind: 'later', ms: pollDelay(data.polls ?? 0) };
    }
    return needsAttention(record, {
      code: 'state_unavailable',
      newOrderId,
      message: isAppError(err) ? err.message : 'unexpected error',
    });
  }
  data.pollErrors = 0;
  data.polls = (data.polls ?? 0) + 1;
  // The deadline is checked after asking CAS, so a certificate issued just past it still counts as issued.
  const since = record.submittedAt ?? record.updatedAt ?? now();
  if (state.type !== 'certificate' && state.type !== 'verify_fail' && now() - since > timings.deadlineMs) {
    const days = Math.floor((now() - since) / 86_400_000);
    const shown = state.type === 'other' ? state.rawType : state.type;
    return needsAttention(record, { code: 'stalled', newOrderId, state: shown, days }, { casState: shown });
  }
  if (state.type !== 'unknow') data.unknowns = 0;
  const next: Step = { kind: 'later', ms: pollDelay(data.polls) };
  const move = (name: TransitionName, notify: Notice[], fields: Partial<RenewalRecord> = {}) =>
    store.transition(record.id, name, {
      actor: 'worker',
      fields: { casState: state.type, ...fields },
      notify,
    });

  switch (state.type) {
    case 'payed':
      // Applied, but the order still says pending: the instance is the authority (DescribeCertificateState may
      // not follow it, §7), in every state after the application.
      if (record.appliedAt !== undefined && record.instanceId)
        return followInstance(ctx, record, data, record.instanceId, next, signal);
      if (record.casState !== 'payed')
        await move('pending_application', [tell({ type: 'pending_application', newOrderId })]);
      return next;
    case 'domain_verify': {
      const key = JSON.stringify(state.validation);
      if (!isAt(record, 'domain_validation') || record.validationKey !== key) {
        await move(
          'domain_validation',
          [
            tell({
              type: 'validation',
              validation: state.validation,
              ...(record.domain ? { domain: record.domain } : {}),
            }),
          ],
          {
            validationKey: key,
          },
        );
      }
      return next;
    }
    case 'process':
      if (!isAt(record, 'ca_review')) await move('ca_review', [tell({ type: 'reviewing', newOrderId })]);
      return next;
    case 'certificate': {
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
    case 'verify_fail':
      await move('review_failed', [tell({ type: 'review_failed', newOrderId })], {
        detail: 'CA review failed (verify_fail)',
      });
      logger.warn({ recordId: record.id, newOrderId }, 'renewal failed: CA review failed');
      return { kind: 'done' };
    case 'unknow':
      data.unknowns = (data.unknowns ?? 0) + 1;
      if (data.unknowns <= timings.maxUnknowns) return next;
      return needsAttention(
        record,
        { code: 'unknow_repeated', newOrderId, times: data.unknowns },
        { casState: 'unknow' },
      );
    case 'other':
      return needsAttention(
        record,
        { code: 'undocumented_state', newOrderId, state: state.rawType },
        { casState: state.rawType },
      );
  }
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
  // The key is a host record; made a full name when CAS gives it relative to the root domain.
  const name = root && !v.ValidationKey.endsWith(root) ? `${v.ValidationKey}.${root}` : v.ValidationKey;
  return {
    kind: 'DNS',
    recordDomain: name,
    recordType: v.ValidationType ?? 'TXT',
    recordValue: v.ValidationValue,
  };
}
