import { approvalsRequired } from '../approval/decisions.ts';
import { casReason } from '../cas/errors.ts';
import type { GetInstanceDetailResponse } from '../cas/instance-schemas.ts';
import { isAppError } from '../errors.ts';
import {
  liveOpenRequest,
  type OpenInput,
  planFor,
  requestOrigin,
  scheduleNewExpiry,
} from './open-request.ts';
import type { OpenOutcome, RotationFacts } from './outcomes.ts';
import type { RequestServiceDeps } from './request-deps.ts';

/** Subscription statuses that can never rotate again (SDK GetInstanceDetailResponseBody.Status). */
const endedStatuses: readonly string[] = ['expired', 'refund', 'closed'];

/** The instance as CAS shows it now, or the outcome when CAS does not know it or cannot be asked. */
async function readInstance(deps: RequestServiceDeps, instanceId: string) {
  try {
    return { detail: await deps.cas.getInstanceDetail(instanceId) };
  } catch (err) {
    if (casReason(err) === 'not_found' || casReason(err) === 'unknown_instance')
      return { outcome: { kind: 'not_rotatable', instanceId, problem: 'not_found' } as const };
    const message = isAppError(err) ? err.message : 'unexpected error';
    return { outcome: { kind: 'unavailable', problem: { code: 'unavailable', message } } as const };
  }
}

async function factsOf(deps: RequestServiceDeps, d: GetInstanceDetailResponse): Promise<RotationFacts> {
  // The account's quota, not this instance's: a card without it still opens.
  const summary = await deps.cas.getInstanceSummary().catch(() => undefined);
  return {
    instanceId: d.InstanceId ?? '',
    domain: d.Domain,
    certificateId: d.CertificateId,
    notBefore: d.CertificateNotBefore,
    notAfter: d.CertificateNotAfter,
    subscriptionEnd: d.OrderEndTime,
    quotaLeft: summary?.CertificateCount,
  };
}

/**
 * `/cert renew <instanceId>`: a V2 subscription's next certificate (a rotation: no paid call, no plan quota). One
 * open request per instance, as per order; an instance CAS does not know, one that ended, or one with an
 * application under way opens nothing; a hosted one gets a card without Approve (CAS rotates it).
 */
export function createOpenRotation(deps: RequestServiceDeps) {
  return async function openRotation(input: OpenInput): Promise<OpenOutcome> {
    const instanceId = input.orderId;
    const open = await liveOpenRequest(deps, instanceId);
    if (open) return { kind: 'already_open', orderId: instanceId, open };
    const read = await readInstance(deps, instanceId);
    if ('outcome' in read) return read.outcome;
    const status = read.detail.Status ?? '';
    if (endedStatuses.includes(status))
      return { kind: 'not_rotatable', instanceId, problem: 'ended', status };
    if (status === 'pending') return { kind: 'not_rotatable', instanceId, problem: 'pending', status };
    const facts = { ...(await factsOf(deps, read.detail)), instanceId };
    if (read.detail.AutoReissue === 'enable') return { kind: 'hosted', facts };
    const planned = await planFor(deps, instanceId, facts.domain);
    if ('outcome' in planned) return planned.outcome;
    const created = await deps.store.create({
      kind: 'rotation',
      orderId: instanceId,
      instanceId,
      ...requestOrigin(deps, input),
      domain: facts.domain,
      productName: [read.detail.Brand, read.detail.CertificateType].filter(Boolean).join(' ') || undefined,
      certIdBefore: facts.certificateId,
      certNotBefore: facts.notBefore,
      certEndTime: facts.notAfter,
      subscriptionEnd: facts.subscriptionEnd,
      quotaRemaining: facts.quotaLeft,
      application: planned.plan,
      approvalsRequired: approvalsRequired({ kind: 'rotation', account: input.account }, deps.approvalCount),
    });
    if (!created.created)
      return { kind: 'already_open', orderId: instanceId, open: await deps.store.get(created.openId) };
    await scheduleNewExpiry(deps, created.record);
    return { kind: 'created', record: created.record };
  };
}
