import type { SimApplication } from './order-book.ts';
import { SimError } from './sim-error.ts';
import {
  type ApplyOutcome,
  dayMs,
  maxValidityMs,
  SeedSubscription,
  type SimAttempt,
  type SimSubscription,
  SubscriptionBehaviour,
} from './subscription-model.ts';

/** Days before a certificate's (or a subscription's) end at which it is about to expire, and hosting rotates. */
const soonMs = 30 * dayMs;

const notFound = () => new SimError(404, 'NotFound', '没有找到必要内容，请检查参数输入');
const statusNotSupported = (what: string) =>
  new SimError(400, 'OperationDenied.StatusNotSupport', `The instance status does not support ${what}.`);

/** The attempt under way, if any. */
export const openAttempt = (sub: SimSubscription): SimAttempt | undefined => {
  const last = sub.attempts.at(-1);
  return last && !last.settled ? last : undefined;
};

/** Whether an attempt's task still answers `processing` at `now`. */
export const taskRunning = (a: Pick<SimAttempt, 'appliedAt'>, now: number, taskMs: number) =>
  now < a.appliedAt + taskMs;

/** The instance status at `now` (SDK GetInstanceDetailResponseBody.Status). */
export function statusAt(sub: SimSubscription, now: number): string {
  if (sub.ended) return sub.ended;
  if (now >= sub.orderEndTime) return 'expired';
  if (openAttempt(sub)) return 'pending';
  if (sub.certificates.length === 0) return 'inactive';
  return sub.orderEndTime - now < soonMs ? 'willExpire' : 'normal';
}

/** The latest certificate's status at `now` (CertificateStatus), undefined before the first issuance. */
export function certificateStatusAt(
  cert: SimSubscription['certificates'][number] | undefined,
  now: number,
): string | undefined {
  if (!cert) return undefined;
  if (cert.revokedAt !== undefined && cert.revokedAt <= now) return 'revoked';
  if (now >= cert.notAfter) return 'expired';
  return cert.notAfter - now < soonMs ? 'willExpire' : 'issued';
}

/** The next application's outcome: the seeded/injected ones first, then success. */
const nextOutcome = (sub: SimSubscription): ApplyOutcome => sub.outcomes.shift() ?? { task: 'success' };

/**
 * The CAS V2.0 subscription instances: seeded, moved by the simulator's clock only (reading never changes what
 * a later read sees), applied for, withdrawn and rotated by CAS hosting.
 */
export function createSubscriptionStore(input: {
  subscriptions: SeedSubscription[];
  behaviour: SubscriptionBehaviour;
  now: () => number;
  newCertificateId: () => string;
  firstContactId: () => string | undefined;
  contactExists: (contactId: string) => boolean;
}) {
  const b = SubscriptionBehaviour.parse(input.behaviour);
  const quota = { certificateCount: b.certificateCount, autoReissueCount: b.autoReissueCount };
  const subs = new Map<string, SimSubscription>();

  function add(seedInput: SeedSubscription): SimSubscription {
    const s = SeedSubscription.parse(seedInput);
    const start = s.orderStartTime ?? s.certificates[0]?.notBefore ?? input.now();
    const { certificates, appliedAt, applyOutcomes, ...rest } = s;
    const contact = input.firstContactId();
    const sub: SimSubscription = {
      ...rest,
      orderStartTime: start,
      orderEndTime: s.orderEndTime ?? start + 365 * dayMs,
      certificates: certificates.map((c) => ({
        certificateId: c.certificateId ?? input.newCertificateId(),
        notBefore: c.notBefore,
        notAfter: c.notAfter,
        revokedAt: c.revokedAt,
      })),
      // A subscription that has issued (or applied) keeps the application it was issued with.
      application:
        certificates.length > 0 || appliedAt !== undefined
          ? {
              domain: s.domain,
              csr: undefined,
              validationMethod: 'DNS',
              keyAlgorithm: s.keyAlgorithm,
              contactIds: contact ? [contact] : [],
              companyId: undefined,
            }
          : undefined,
      attempts: [],
      outcomes: [...applyOutcomes],
    };
    if (appliedAt !== undefined) sub.attempts.push(attempt(sub, appliedAt, 'api'));
    subs.set(sub.instanceId, sub);
    return sub;
  }

  function attempt(sub: SimSubscription, at: number, by: SimAttempt['by']): SimAttempt {
    return { appliedAt: at, by, outcome: nextOutcome(sub), cancelRequestedAt: undefined, settled: undefined };
  }

  /** Settles the attempt under way if its end is due by `now`; true when it did. */
  function settleDue(sub: SimSubscription, a: SimAttempt, now: number): boolean {
    const taskEnd = a.appliedAt + b.taskMs;
    const cancelAt = a.cancelRequestedAt === undefined ? Infinity : a.cancelRequestedAt + b.cancelMs;
    const issueAt = a.outcome.task === 'success' ? taskEnd + b.issueMs : Infinity;
    const failAt = a.outcome.task === 'failed' ? taskEnd : Infinity;
    const at = Math.min(cancelAt, issueAt, failAt);
    if (at > now) return false;
    if (at === cancelAt) a.settled = { how: 'cancelled', at };
    else if (at === failAt) a.settled = { how: 'failed', at };
    else {
      a.settled = { how: 'issued', at };
      sub.certificates.push({
        certificateId: input.newCertificateId(),
        notBefore: at,
        notAfter: at + maxValidityMs(at),
        revokedAt: undefined,
      });
    }
    return true;
  }

  /** CAS hosting applies by itself once the latest certificate has < 30 days left (one application each). */
  function hostingDue(sub: SimSubscription, now: number): boolean {
    const latest = sub.certificates.at(-1);
    if (!sub.autoReissue || sub.ended || !latest || latest.revokedAt !== undefined) return false;
    const at = Math.max(latest.notAfter - soonMs, latest.notBefore);
    const last = sub.attempts.at(-1);
    if (at > now || at >= sub.orderEndTime || (last && last.appliedAt >= at)) return false;
    if (quota.autoReissueCount === 0) return false;
    quota.autoReissueCount--;
    sub.attempts.push(attempt(sub, at, 'hosting'));
    return true;
  }

  /** Plays every event due by `now`, in time order. */
  function advance(sub: SimSubscription): SimSubscription {
    const now = input.now();
    for (;;) {
      const a = openAttempt(sub);
      if (a ? !settleDue(sub, a, now) : !hostingDue(sub, now)) return sub;
    }
  }

  for (const s of input.subscriptions) add(s);

  function mustGet(instanceId: string): SimSubscription {
    const sub = subs.get(instanceId);
    if (!sub) throw notFound();
    return advance(sub);
  }

  return {
    behaviour: b,
    quota,
    contactExists: input.contactExists,
    add,
    has: (instanceId: string) => subs.has(instanceId),
    mustGet,
    /** Every subscription, brought to the present. */
    all: () => [...subs.values()].map(advance),
    /** Every subscription as last brought to the present (to page through; `mustGet` brings one up to date). */
    asLastSeen: () => [...subs.values()],
    /** The next application of `instanceId` fails with `message` (TaskMessage). */
    failNextApplication(instanceId: string, message: string): void {
      mustGet(instanceId).outcomes.push({ task: 'failed', message });
    },
    /** UpdateInstance: the application (and hosting) of a subscription not under review. */
    update(instanceId: string, application: SimApplication, autoReissue: string | undefined): void {
      const sub = mustGet(instanceId);
      if (openAttempt(sub))
        throw new SimError(400, 'InvalidStatus.UpdateProtection', 'The state does not allow update now.');
      sub.application = application;
      if (autoReissue !== undefined) sub.autoReissue = autoReissue === 'enable';
    },
    /** ApplyCertificate: one application at a time, on a live subscription with a complete application. */
    apply(instanceId: string): void {
      const sub = mustGet(instanceId);
      const status = statusAt(sub, input.now());
      if (status === 'pending')
        throw new SimError(400, 'InvalidStatus.Apply', 'An application is already in progress.');
      if (['expired', 'refund', 'closed'].includes(status)) throw statusNotSupported('an application');
      if (!sub.application)
        throw new SimError(
          400,
          'InvalidStatus.NoApplication',
          'Set the application with UpdateInstance first.',
        );
      if (sub.application.contactIds.length === 0)
        throw new SimError(
          400,
          'InvalidParameter.ContactIdList',
          'At least one contact is required to apply.',
        );
      if (sub.certificateType !== 'DV' && !sub.application.companyId)
        throw new SimError(
          400,
          'InvalidParameter.CompanyId',
          'A company is required for OV/EV certificates.',
        );
      sub.attempts.push(attempt(sub, input.now(), 'api'));
    },
    /** CancelPendingCertificate: withdraws the application under review (not while its task runs). */
    cancel(instanceId: string): void {
      const sub = mustGet(instanceId);
      const a = openAttempt(sub);
      if (!a || taskRunning(a, input.now(), b.taskMs)) throw statusNotSupported('withdrawing an application');
      a.cancelRequestedAt ??= input.now();
    },
  };
}

/** The subscription store's interface. */
export type SubscriptionStore = ReturnType<typeof createSubscriptionStore>;
