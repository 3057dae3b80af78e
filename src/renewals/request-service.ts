import type { WebClient } from '@slack/web-api';
import type { ApproverDirectory } from '../approval/approvers.ts';
import type { CasClient } from '../cas/client.ts';
import { lookupOrderForRenewal } from '../cas/order-lookup.ts';
import type { RenewableOrderIndex } from '../cas/renewable-orders.ts';
import type { ParsedCsr } from '../csr/parse-csr.ts';
import { type AppQueues, enqueueRenewal, scheduleExpiry } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import { renderApprovalCard, renderNotRenewableCard, statusLine } from '../slack/cards.ts';
import { escapeMrkdwn, mention, slackDate } from '../slack/mrkdwn.ts';
import type { Deliver } from '../worker/outbox-delivery.ts';
import type { RenewalRecord } from './record.ts';
import type { OutboxItem, RenewalStore } from './store.ts';

/** Sends a private answer to the person who acted (a `respond()` bound to the interaction). */
export type Reply = (text: string) => Promise<unknown>;

/** Dependencies of {@link createRequestService}. */
export interface RequestServiceDeps {
  store: RenewalStore;
  cas: CasClient;
  renewableOrders: RenewableOrderIndex;
  approvers: ApproverDirectory;
  queues: Pick<AppQueues, 'renewals' | 'approvals'>;
  slack: WebClient;
  /** Delivers a request's outbox (thread messages) now. */
  deliver: Deliver;
  logger: Logger;
  now: () => number;
  /** How long a request waits for a decision, milliseconds. */
  requestTtlMs: number;
  allowSelfApproval: boolean;
}

/** Slack error code of a Web API failure, if it is one. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

const channelProblems: Record<string, string> = {
  not_in_channel: 'I am not in this channel: invite me with `/invite @certbot` and try again.',
  channel_not_found: 'I cannot see this channel (private channels need an invite: `/invite @certbot`).',
  is_archived: 'This channel is archived.',
};

/** A request still without a card this long after it was opened was abandoned by a process that died. */
const abandonedAfterMs = 60_000;

/** Links to a card's thread (Slack resolves the workspace). */
export function threadLink(record: RenewalRecord): string {
  return record.messageTs
    ? `https://slack.com/archives/${record.channelId}/p${record.messageTs.replace('.', '')}`
    : `<#${record.channelId}>`;
}

/**
 * The approval flow behind the Slack listeners: open a request and post its card, decide it exactly once,
 * expire it, attach a CSR. Every state change is a compare-and-set in the store; Slack messages follow.
 */
export function createRequestService(deps: RequestServiceDeps) {
  const { store, slack, logger, now } = deps;

  /**
   * Thread messages are queued in the request's outbox by the state change itself (so none is lost, and they
   * stay in order with the worker's); this delivers them now. Whatever cannot go out now, the worker delivers.
   */
  async function deliverNow(record: RenewalRecord): Promise<void> {
    const result = await deps
      .deliver(record.id)
      .catch((err: unknown) => ({ done: false, reason: String(err) }));
    if (!result.done)
      logger.warn({ recordId: record.id, reason: result.reason }, 'thread message left for the worker');
  }

  const say = (text: string): OutboxItem => ({ kind: 'thread', text });
  // Card refreshes go through the outbox too: each renders the record as it is when delivered, and deliveries
  // are serialised, so a slow update from one process can never put an older state back on the card.
  const card: OutboxItem = { kind: 'card' };

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
    const result = await store.transition(record.id, ['requested'], 'expired', {
      actor: 'certbot',
      action: 'expired',
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

    /** `/cert renew`: links to an open request, or checks CAS, creates the request and posts the card. */
    async openRequest(input: {
      orderId: string;
      csr: ParsedCsr | undefined;
      channelId: string;
      userId: string;
      teamId: string | undefined;
      reply: Reply;
    }): Promise<void> {
      let open = await store.findOpen(input.orderId);
      if (
        open &&
        open.state === 'requested' &&
        !open.messageTs &&
        now() - open.requestedAt > abandonedAfterMs
      ) {
        // The process that opened it died before posting its card: nobody could ever decide it.
        await store.transition(open.id, ['requested'], 'cancelled', {
          actor: 'certbot',
          action: 'abandoned',
          fields: { reason: 'its approval card was never posted' },
        });
        open = undefined;
      }
      if (open) {
        await input.reply(
          `Order \`${input.orderId}\` already has an open renewal request (${open.state.replace('_', ' ')}): ${threadLink(open)}`,
        );
        return;
      }
      const lookup = await lookupOrderForRenewal(deps.cas, deps.renewableOrders, input.orderId);
      if (lookup.kind === 'unavailable') {
        await input.reply(`:warning: ${lookup.reason}`);
        return;
      }
      if (lookup.kind === 'not_renewable') {
        const card = renderNotRenewableCard({
          orderId: input.orderId,
          requestedBy: input.userId,
          reason: lookup.reason,
        });
        await slack.chat
          .postMessage({ channel: input.channelId, text: card.text, blocks: card.blocks })
          .catch(async (err: unknown) => {
            await input.reply(
              `${channelProblems[slackErrorCode(err) ?? ''] ?? 'I could not post in this channel.'}\n${lookup.reason}`,
            );
          });
        return;
      }
      const { order } = lookup;
      const previous = await store.findLatest(input.orderId);
      const created = await store.create({
        orderId: input.orderId,
        channelId: input.channelId,
        requestedBy: input.userId,
        expiresAt: now() + deps.requestTtlMs,
        teamId: input.teamId,
        domain: order.Domain,
        productName: order.ProductName,
        productCode: order.ProductCode,
        certEndTime: order.CertEndTime,
        quotaRemaining: lookup.quotaRemaining,
        csrPem: input.csr?.pem,
        csrSummary: input.csr?.summary,
        // A renewal that ended unconfirmed may have happened: whoever approves must check CAS first.
        warning:
          previous?.state === 'needs_attention'
            ? `The previous request for this order ended in *needs attention* (${threadLink(previous)}). Check the CAS console for a new order before approving, or this renews twice.`
            : undefined,
      });
      if (!created.created) {
        const other = await store.get(created.openId);
        await input.reply(
          `Order \`${input.orderId}\` already has an open renewal request: ${other ? threadLink(other) : 'just opened'}`,
        );
        return;
      }
      const record = created.record;
      // Scheduled before the card is posted, so that even a request whose card never appears ends.
      await scheduleExpiry(deps.queues.approvals, record.id, record.expiresAt - now());
      const card = renderApprovalCard(record, now());
      let posted: { ts?: string | undefined; channel?: string | undefined };
      try {
        posted = await slack.chat.postMessage({
          channel: input.channelId,
          text: card.text,
          blocks: card.blocks,
        });
      } catch (err) {
        const code = slackErrorCode(err);
        logger.warn(
          { recordId: record.id, slackError: code ?? String(err) },
          'could not post the approval card',
        );
        await store.transition(record.id, ['requested'], 'cancelled', {
          actor: 'certbot',
          action: 'card_not_posted',
          fields: { reason: `card could not be posted (${code ?? 'error'})` },
        });
        await input.reply(
          channelProblems[code ?? ''] ??
            `I could not post the approval card (${code ?? 'error'}); nothing was requested.`,
        );
        return;
      }
      await store.setCard(record.id, posted.channel ?? input.channelId, posted.ts as string);
      logger.info({ recordId: record.id, orderId: record.orderId }, 'renewal requested');
    },

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
      const result = await store.transition(record.id, ['requested'], 'approved', {
        actor: input.userId,
        action: 'approved',
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
      const result = await store.transition(record.id, ['requested'], 'rejected', {
        actor: input.userId,
        action: 'rejected',
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
      const result = await store.transition(record.id, ['requested'], 'requested', {
        actor: input.userId,
        action: 'csr_attached',
        detail: `CN ${input.csr.summary.commonName}`,
        fields: { csrPem: input.csr.pem, csrSummary: input.csr.summary },
        release: false,
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
