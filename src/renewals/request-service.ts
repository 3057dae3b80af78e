import type { ParsedCsr } from '../csr/parse-csr.ts';
import { enqueueRenewal } from '../jobs/queues.ts';
import { statusLine } from '../slack/cards.ts';
import { escapeMrkdwn, mention, slackDate } from '../slack/mrkdwn.ts';
import { createOpenRequest } from './open-request.ts';
import type { RenewalRecord } from './record.ts';
import type { Reply, RequestServiceDeps } from './request-deps.ts';
import type { OutboxMessage } from './store.ts';

export { type Reply, type RequestServiceDeps, slackErrorCode, threadLink } from './request-deps.ts';

/**
 * The approval flow behind the Slack listeners: open a request and post its card, decide it exactly once,
 * expire it, attach a CSR. Every state change is a compare-and-set in the store; Slack messages follow.
 */
export function createRequestService(deps: RequestServiceDeps) {
  const { store, logger, now } = deps;

  /**
   * Thread messages are queued in the request's outbox by the state change itself (so none is lost, and they
   * stay in order with the worker's); this delivers them now. Whatever cannot go out now, the worker delivers.
   */
  async function deliverNow(record: RenewalRecord): Promise<void> {
    const result = await deps
      .deliver(record.id)
      .catch((err: unknown) => ({ done: false, reason: String(err) }));
    if (!result.done)
      logger.warn({ recordId: record.id, reason: result.reason }, 'thread message left for the sweeper');
  }

  const say = (text: string): OutboxMessage => ({ kind: 'thread', text });
  // Card refreshes go through the outbox too: each renders the record as it is when delivered, and deliveries
  // are serialised, so a slow update from one process can never put an older state back on the card.
  const card: OutboxMessage = { kind: 'card' };

  /** Explains to someone who clicked why their click changed nothing. */
  function alreadyDecided(record: RenewalRecord): string {
    return `Nothing changed: this request is no longer waiting for a decision. ${statusLine(record)}`;
  }

  async function authorise(
    record: RenewalRecord,
    userId: string,
    action: 'approve' | 'reject',
  ): Promise<string | undefined> {
    const approver = await deps.approvers.isApprover(userId);
    if (action === 'reject' && userId === record.requestedBy) return undefined;
    if (!approver) return `Only ${deps.approvers.describe()} can ${action} this renewal.`;
    if (action === 'approve' && userId === record.requestedBy && !deps.allowSelfApproval) {
      return 'You asked for this renewal, so another approver must approve it (self-approval is off: CERT_ALLOW_SELF_APPROVAL).';
    }
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

  async function expireIfDue(record: RenewalRecord): Promise<RenewalRecord | undefined> {
    if (record.state !== 'requested' || now() < record.expiresAt) return undefined;
    const result = await store.transition(record.id, 'expired', {
      actor: 'certbot',
      notify: [
        say(
          `:zzz: No decision within ${Math.round(deps.requestTtlMs / 3_600_000)} h: this request expired. Run \`/cert renew ${record.orderId}\` again if it is still needed.`,
        ),
        card,
      ],
    });
    if (!result.ok) return undefined;
    await deliverNow(result.record);
    return result.record;
  }

  return {
    requestForCard,
    authorise,

    openRequest: createOpenRequest(deps),

    /** Approve button: authorise, then one compare-and-set decides; the winner enqueues the renewal. */
    async approve(input: {
      channelId: string;
      messageTs: string;
      claimedId: string | undefined;
      userId: string;
      reply: Reply;
    }): Promise<void> {
      const record = await requestForCard(input.channelId, input.messageTs, input.claimedId);
      if (!record) {
        await input.reply(
          'This button does not belong to a renewal request I know. Use `/cert status <orderId>`.',
        );
        return;
      }
      if (record.state !== 'requested') {
        await input.reply(alreadyDecided(record));
        return;
      }
      if (await expireIfDue(record)) {
        await input.reply(
          'This request expired before it was approved. Run `/cert renew` again if it is still needed.',
        );
        return;
      }
      const refusal = await authorise(record, input.userId, 'approve');
      if (refusal) {
        await input.reply(refusal);
        return;
      }
      const result = await store.transition(record.id, 'approved', {
        actor: input.userId,
        fields: { decidedBy: input.userId, decidedAt: now() },
        notify: [
          say(
            `:inbox_tray: Approved by ${mention(input.userId)} at ${slackDate(now())}. Queued for renewal.`,
          ),
          card,
        ],
      });
      if (!result.ok) {
        await input.reply(
          result.reason === 'conflict' ? alreadyDecided(result.record) : 'This request no longer exists.',
        );
        return;
      }
      await enqueueRenewal(deps.queues.renewals, record.id);
      await deps.queues.approvals.remove(`expire-${record.id}`).catch(() => undefined);
      logger.info(
        { recordId: record.id, orderId: record.orderId, approvedBy: input.userId },
        'renewal approved',
      );
      await deliverNow(result.record);
    },

    /** Reject (after the reason modal): authorise again, then one compare-and-set decides. */
    async reject(input: {
      recordId: string;
      channelId: string;
      messageTs: string;
      userId: string;
      reason: string | undefined;
      reply: Reply;
    }): Promise<void> {
      const record = await requestForCard(input.channelId, input.messageTs, input.recordId);
      if (!record) {
        await input.reply('This request no longer matches its card; nothing was rejected.');
        return;
      }
      const refusal = await authorise(record, input.userId, 'reject');
      if (refusal) {
        await input.reply(refusal);
        return;
      }
      const reason = input.reason?.trim().slice(0, 500) || undefined;
      const result = await store.transition(record.id, 'rejected', {
        actor: input.userId,
        ...(reason ? { detail: reason } : {}),
        fields: { decidedBy: input.userId, decidedAt: now(), reason },
        notify: [
          say(
            `:no_entry_sign: Rejected by ${mention(input.userId)}${reason ? `: ${escapeMrkdwn(reason)}` : ''}.`,
          ),
          card,
        ],
      });
      if (!result.ok) {
        await input.reply(
          result.reason === 'conflict' ? alreadyDecided(result.record) : 'This request no longer exists.',
        );
        return;
      }
      await deps.queues.approvals.remove(`expire-${record.id}`).catch(() => undefined);
      logger.info(
        { recordId: record.id, orderId: record.orderId, rejectedBy: input.userId },
        'renewal rejected',
      );
      await deliverNow(result.record);
    },

    /** The expiry job: an undecided request past its TTL becomes `expired` (a decided one is left alone). */
    async expire(recordId: string): Promise<void> {
      const record = await store.get(recordId);
      if (record) await expireIfDue(record);
    },

    /** Attach-CSR modal: only the requester, only while the request waits for a decision. */
    async attachCsr(input: {
      recordId: string;
      channelId: string;
      messageTs: string;
      userId: string;
      csr: ParsedCsr;
    }): Promise<string | undefined> {
      const record = await requestForCard(input.channelId, input.messageTs, input.recordId);
      if (!record || record.requestedBy !== input.userId)
        return 'Only the person who asked for this renewal can attach its CSR.';
      const result = await store.transition(record.id, 'csr_attached', {
        actor: input.userId,
        detail: `CN ${input.csr.summary.commonName}`,
        fields: { csrPem: input.csr.pem, csrSummary: input.csr.summary },
        notify: [
          say(
            `:page_facing_up: ${mention(input.userId)} attached a CSR (CN ${escapeMrkdwn(input.csr.summary.commonName)}).`,
          ),
          card,
        ],
      });
      if (!result.ok) return 'This request is no longer waiting for a decision; the CSR was not attached.';
      await deliverNow(result.record);
      return undefined;
    },
  };
}

/** The request service. */
export type RequestService = ReturnType<typeof createRequestService>;
