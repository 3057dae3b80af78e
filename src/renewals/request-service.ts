import { approvalsRequired, type Decision, decisionOf } from '../approval/decisions.ts';
import type { ParsedCsr } from '../csr/parse-csr.ts';
import { createApprovalRenewalCheck } from './approval-renewal-check.ts';
import { vote } from './approval-vote.ts';
import { sawCurrent } from './move-guards.ts';
import { createOpenRequest } from './open-request.ts';
import { createOpenRotation } from './open-rotation.ts';
import {
  type ApprovalCounted,
  type CardAction,
  type CardClaim,
  notRequester,
  type QueuedLater,
  type Refusal,
} from './outcomes.ts';
import { type RenewalRecord, rotationFlag } from './record.ts';
import { deliverSoon, type RequestServiceDeps } from './request-deps.ts';
import { createScheduledMoves } from './scheduled-move.ts';
import type { Notice, TransitionResult } from './store.ts';
import type { ThreadEvent } from './thread-events.ts';
import { can, canFrom, type TransitionName } from './transitions.ts';

export type { RequestServiceDeps } from './request-deps.ts';

const tell = (event: ThreadEvent): Notice => ({ kind: 'event', event });

/**
 * The approval flow behind the Slack listeners: open a request, decide it exactly once, expire it, attach a CSR.
 * Every state change is a named transition in the store; what the thread is told is queued with it as events.
 * Methods return what happened (a {@link Refusal} when nothing changed); the Slack layer words it.
 */
export function createRequestService(deps: RequestServiceDeps) {
  const { store, logger, now } = deps;
  const move = createScheduledMoves({ store, renewals: deps.queues.renewals, logger });

  // Thread messages are queued in the request's outbox by the state change itself (so none is lost, and they
  // stay in order with the worker's); this delivers them now.
  const deliverNow = (record: RenewalRecord) => deliverSoon(deps.deliver, logger, record.id, record);
  /** A decision is written: what was due for the request goes, the decision is logged, and the thread told now. */
  const decided = async (record: RenewalRecord, by: Record<string, string>, message: string) => {
    // One ZREM; if it fails, the entry comes due later and finds the request decided (nothing happens).
    await deps.due.cancel(record.id).catch(() => undefined);
    logger.info({ recordId: record.id, orderId: record.orderId, ...by }, message);
    await deliverNow(record);
  };

  /** The refusal of someone who may not make `decision`; it says when they may make the free decisions only. */
  async function notApprover(
    action: 'approve' | 'reject' | 'deploy',
    decision: Decision,
    userId: string,
    account: string | undefined,
  ) {
    const rotationOnly =
      decision === 'money' &&
      deps.decisions.hasRotationApprovers(account) &&
      (await deps.decisions.mayDecide('rotation', userId, account)) === 'approver';
    const where = account !== undefined ? { account } : {};
    return {
      code: 'not_approver',
      action,
      decision,
      ...where,
      ...(rotationOnly ? { rotationOnly } : {}),
    } as const;
  }

  /** Whether `userId` may `action` this request; the refusal otherwise. */
  async function authorise(
    record: RenewalRecord,
    userId: string,
    action: 'approve' | 'reject' | 'deploy',
  ): Promise<Refusal | undefined> {
    if (action === 'reject' && userId === record.requestedBy) return undefined;
    const decision: Decision = action === 'deploy' ? 'deployment' : decisionOf(record);
    // Who may decide comes from the request's account (bound at creation), else the environment's lists.
    const approver = await deps.decisions.mayDecide(decision, userId, record.account);
    if (approver === 'unknown') return { code: 'approvers_unknown' };
    if (approver === 'not_approver') return notApprover(action, decision, userId, record.account);
    if (action !== 'reject' && userId === record.requestedBy && !deps.allowSelfApproval)
      return { code: 'self_approval', ...(decision === 'rotation' ? { rotation: true as const } : {}) };
    return undefined;
  }

  /** Finds the request behind a card button, trusting only Redis: the button's value must name that request. */
  async function requestForCard(
    channelId: string,
    messageTs: string,
    claimedId: string | undefined,
  ): Promise<RenewalRecord | undefined> {
    const record = await store.findByCard(channelId, messageTs);
    return record && record.id === claimedId ? record : undefined;
  }

  const { expireIfDue } = deps.expiry;

  const notWaiting = (result: Extract<TransitionResult, { ok: false }>): Refusal => {
    if (result.reason === 'stale') return { code: 'changed', record: result.record };
    return 'record' in result ? { code: 'not_waiting', record: result.record } : { code: 'unknown_card' };
  };

  /**
   * The request behind a card, at the version the person saw and able to make `move` (the approval card's:
   * `approved`, while it waits for a decision); a refusal otherwise.
   */
  async function seenRequest(
    channelId: string,
    messageTs: string,
    claim: CardClaim,
    move: TransitionName = 'approved',
  ): Promise<{ record: RenewalRecord } | { refusal: Refusal }> {
    const record = await requestForCard(channelId, messageTs, claim.id);
    if (!record) return { refusal: { code: 'unknown_card' } };
    if (!canFrom(record, move)) return { refusal: { code: 'not_waiting', record } };
    if (!sawCurrent(record, claim.version)) return { refusal: { code: 'changed', record } };
    return { record };
  }

  const renewedBeforeApproval = createApprovalRenewalCheck(deps, notWaiting);

  /** An approval counted short of the request's count (the card shows it), or repeated: the approver is told. */
  async function countedApproval(result: TransitionResult, count: number, required: number) {
    if (result.ok) {
      logger.info({ recordId: result.record.id, count, required }, 'approval counted');
      await deliverNow(result.record);
      return { code: 'approval_counted', count, required, ...rotationFlag(result.record) } as const;
    }
    if (result.reason === 'approval_repeated') return { code: 'approval_repeated', count, required } as const;
    return notWaiting(result);
  }

  return {
    requestForCard,
    seenRequest,
    authorise,
    notWaiting,

    openRequest: { ...createOpenRequest(deps), openRotation: createOpenRotation(deps) },

    /**
     * Approve button: authorise, then one compare-and-set decides, and only for the version of the request the
     * approver saw on the card; the winner enqueues the renewal. Once the approval is written it stands: if the
     * enqueue then fails, the sweeper enqueues it later, and the approver is told so ({@link QueuedLater}).
     */
    async approve(input: CardAction): Promise<Refusal | QueuedLater | ApprovalCounted | undefined> {
      const seen = await seenRequest(input.channelId, input.messageTs, input.claim);
      if ('refusal' in seen) return seen.refusal;
      const { record } = seen;
      if (await expireIfDue(record)) return { code: 'expired' };
      // A rotation's approval is its own row (no paid call follows, so no earlier-renewal check in CAS).
      const row = can(record, 'rotation_approved', now()) ? 'rotation_approved' : 'approved';
      // CAS is asked in the request's own account (bound at creation), never in another.
      const inAccount = <T>(work: () => Promise<T>) =>
        deps.actAs ? deps.actAs(record.account, record.id, 'read', work) : work();
      const refusal =
        (await authorise(record, input.userId, 'approve')) ??
        (row === 'approved'
          ? await inAccount(() => renewedBeforeApproval(record, input.userId, input.claim.version))
          : undefined);
      if (refusal) return refusal;
      const required = approvalsRequired(record, deps.approvalCount);
      const voted = await vote(
        { store, move },
        { row, record, userId: input.userId, seenVersion: input.claim.version, required, at: now() },
        tell({
          type: 'approved',
          by: input.userId,
          at: now(),
          ...(row === 'rotation_approved' ? { rotation: true as const } : {}),
        }),
      );
      if (voted.kind === 'counted') return countedApproval(voted.result, voted.count, required);
      const { result } = voted;
      if (!result.ok) return notWaiting(result);
      await decided(result.record, { approvedBy: input.userId }, 'renewal approved');
      if (result.queued && result.record.kind === 'rotation') return { ...result.queued, rotation: true };
      return result.queued;
    },

    /** Reject (after the reason modal): authorise again, then one compare-and-set decides, for the version seen. */
    async reject(input: CardAction & { reason: string | undefined }): Promise<Refusal | undefined> {
      const record = await requestForCard(input.channelId, input.messageTs, input.claim.id);
      if (!record) return { code: 'unknown_card' };
      const refusal = await authorise(record, input.userId, 'reject');
      if (refusal) return refusal;
      const reason = input.reason?.trim().slice(0, 500) || undefined;
      const result = await store.transition(record.id, 'rejected', {
        actor: input.userId,
        ifVersion: input.claim.version,
        ...(reason ? { detail: reason } : {}),
        fields: { decidedBy: input.userId, decidedAt: now(), reason },
        notify: [tell({ type: 'rejected', by: input.userId, ...(reason ? { reason } : {}) })],
      });
      if (!result.ok) return notWaiting(result);
      await decided(result.record, { rejectedBy: input.userId }, 'renewal rejected');
      return undefined;
    },

    /** An undecided request past its TTL becomes `expired` (a decided one is left alone). */
    expire: deps.expiry.expire,

    /**
     * Attach-CSR modal: only the requester, only while the request waits for a decision, and only onto the version
     * the modal was opened from (a second modal opened earlier cannot swap the key again).
     */
    async attachCsr(input: CardAction & { csr: ParsedCsr }): Promise<Refusal | undefined> {
      const record = await requestForCard(input.channelId, input.messageTs, input.claim.id);
      if (!record || record.requestedBy !== input.userId) return notRequester(record);
      const result = await store.transition(record.id, 'csr_attached', {
        actor: input.userId,
        ifVersion: input.claim.version,
        detail: `CN ${input.csr.summary.commonName}`,
        fields: { csrPem: input.csr.pem, csrSummary: input.csr.summary },
        notify: [tell({ type: 'csr_attached', by: input.userId, commonName: input.csr.summary.commonName })],
      });
      if (!result.ok) return notWaiting(result);
      await deliverNow(result.record);
      return undefined;
    },
  };
}

/** The request service. */
export type RequestService = ReturnType<typeof createRequestService>;
