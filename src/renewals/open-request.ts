import { lookupOrderForRenewal } from '../cas/order-lookup.ts';
import type { ParsedCsr } from '../csr/parse-csr.ts';
import { scheduleExpiry } from '../jobs/queues.ts';
import { renderApprovalCard, renderNotRenewableCard } from '../slack/cards.ts';
import { mention } from '../slack/mrkdwn.ts';
import type { RenewalRecord } from './record.ts';
import { type Reply, type RequestServiceDeps, slackErrorCode, threadLink } from './request-deps.ts';

const channelProblems: Record<string, string> = {
  not_in_channel: 'I am not in this channel: invite me with `/invite @certbot` and try again.',
  channel_not_found: 'I cannot see this channel (private channels need an invite: `/invite @certbot`).',
  is_archived: 'This channel is archived.',
};

/** What the approver of a new request must know about the order's previous one, if anything. */
function previousWarning(previous: RenewalRecord | undefined): string | undefined {
  if (previous?.state === 'needs_attention')
    return `The previous request for this order ended in *needs attention* and nobody closed it (${threadLink(previous)}). Check the CAS console for a new order before approving, or this renews twice.`;
  if (previous?.state === 'resolved')
    return `The previous request for this order needed attention (${threadLink(previous)}); ${previous.resolvedBy ? mention(previous.resolvedBy) : 'an approver'} closed it as ${previous.resolution === 'renewed' ? `renewed (new order \`${previous.newOrderId ?? '?'}\`)` : 'not renewed'}. Check the CAS console before approving, or this renews twice.`;
  return undefined;
}

/** A request still without a card this long after it was opened was abandoned by a process that died. */
const abandonedAfterMs = 60_000;

/**
 * `/cert renew`: links to the order's open request, or checks the order in CAS, creates the request (one open per
 * order, atomically) and posts its approval card; if the card cannot be posted, the request is cancelled and the
 * person told how to fix it.
 */
export function createOpenRequest(deps: RequestServiceDeps) {
  const { store, slack, logger, now } = deps;
  return async function openRequest(input: {
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
      await store.transition(open.id, 'abandoned', {
        actor: 'certbot',
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
      warning: previousWarning(previous),
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
      await store.transition(record.id, 'card_not_posted', {
        actor: 'certbot',
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
  };
}
