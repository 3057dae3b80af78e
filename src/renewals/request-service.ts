import type { ParsedCsr } from '../csr/parse-csr.ts';
import { createApprovalRenewalCheck } from './approval-renewal-check.ts';
import { createOpenRequest } from './open-request.ts';
import type { CardAction, CardClaim, QueuedLater, Refusal } from './outcomes.ts';
import type { RenewalRecord } from './record.ts';
import { deliverSoon, type RequestServiceDeps } from './request-deps.ts';
import { createScheduledMoves } from './scheduled-move.ts';
import type { Notice, TransitionResult } from './store.ts';
import type { ThreadEvent } from './thread-events.ts';
import { canFrom, type TransitionName } from './transitions.ts';

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

  /** Whether `userId` may `action` this request; the refusal otherwise. */
  async function authorise(
    record: RenewalRecord,
    userId: string,
    action: 'approve' | 'reject' | 'deploy',
  ): Promise<Refusal | undefined> {
    if (action === 'reject' && userId === record.requestedBy) return undefined;
    const approver = await deps.approvers.status(userId);
    if (approver === 'unknown') return { code: 'approvers_unknown' };
    if (approver === 'not_approver') return { code: 'not_approver', action };
    if (action !== 'reject' && userId === record.requestedBy && !deps.allowSelfApproval)
      return { code: 'self_approval' };
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
    if (record.version !== claim.version) return { refusal: { code: 'changed', record } };
    return { record };
  }

  const renewedBeforeApproval = createApprovalRenewalCheck(deps, notWaiting);

  return {
    requestForCard,
    seenRequest,
    authorise,
    notWaiting,

    openRequest: createOpenRequest(deps),

    /**
     * Approve button: authorise, then one compare-and-set decides, and only for the version of the request the
     * approver saw on the card; the winner enqueues the renewal. Once the approval is written it stands: if the
     * enqueue then fails, the sweeper enqueues it later, and the approver is told so ({@link QueuedLater}).
     */
    async approve(input: CardAction): Promise<Refusal | QueuedLater | undefined> {
      const seen = await seenRequest(input.channelId, input.messageTs, input.claim);
      if ('refusal' in seen) return seen.refusal;
      const { record } = seen;
      if (await expireIfDue(record)) return { code: 'expired' };
      const refusal =
        (await authorise(record, input.userId, 'approve')) ??
        (await renewedBeforeApproval(record, input.userId, input.claim.version));
      if (refusal) return refusal;
      const result = await move(record.id, 'approved', {
        actor: input.userId,
        ifVersion: input.claim.version,
        fields: { decidedBy: input.userId, decidedAt: now() },
        notify: [tell({ type: 'approved', by: input.userId, at: now() })],
      });
      if (!result.ok) return notWaiting(result);
      await decided(result.record, { approvedBy: input.userId }, 'renewal approved');
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
      if (!record || record.requestedBy !== input.userId) return { code: 'not_requester' };
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
