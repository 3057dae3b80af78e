import type { KnownBlock, WebClient } from '@slack/web-api';
import type { Logger } from '../logger.ts';
import type { RenewalRecord } from '../renewals/record.ts';
import type { AlertPosts, RenewedOrder } from './alert-posts.ts';
import type { SlackMessage } from './cards.ts';
import { slackErrorCode } from './links.ts';
import type { Permalinks } from './permalinks.ts';
import { code } from './thread-messages.ts';

/** Slack errors after which an alert can never be updated (deleted, archived, too old, not ours). */
const gone = new Set([
  'message_not_found',
  'channel_not_found',
  'cant_update_message',
  'edit_window_closed',
  'is_archived',
  'not_in_channel',
]);

/**
 * An expiry alert as it was posted, with the orders renewed since shown as renewed: their Renew and Snooze
 * buttons replaced by a line naming the new order and linking the renewal's thread.
 */
export function renderRenewedAlert(
  message: SlackMessage,
  renewed: Record<string, RenewedOrder & { link: string }>,
): SlackMessage {
  const blocks = message.blocks.map((block): KnownBlock => {
    const orderId = block.type === 'actions' ? block.block_id?.replace(/^actions-/, '') : undefined;
    const r = orderId ? renewed[orderId] : undefined;
    if (!orderId || !r) return block;
    return {
      type: 'context',
      block_id: `renewed-${orderId}`,
      elements: [
        { type: 'mrkdwn', text: `:white_check_mark: Renewed as order ${code(r.newOrderId)}: ${r.link}` },
      ],
    };
  });
  return { text: message.text, blocks };
}

/**
 * Takes the Renew button off every expiry alert of an order once a request renewed it (a new order exists), so
 * that nobody pays for the order a second time from an old alert. Idempotent: an alert already showing the order
 * as renewed is not updated again; concurrent updates of one alert converge (each re-reads what is renewed).
 */
export function createRenewedAlertUpdates(deps: {
  posts: AlertPosts;
  slack: WebClient;
  permalinks: Permalinks;
  logger: Logger;
}) {
  async function update(channel: string, ts: string): Promise<void> {
    for (let round = 0; round < 3; round += 1) {
      const post = await deps.posts.get(channel, ts);
      const ids = Object.keys(post?.renewed ?? {});
      if (!post || ids.every((id) => post.shown.includes(id))) return;
      const renewed: Record<string, RenewedOrder & { link: string }> = {};
      for (const [id, r] of Object.entries(post.renewed)) {
        renewed[id] = {
          ...r,
          link: await deps.permalinks({ channelId: r.channelId, messageTs: r.messageTs }),
        };
      }
      const message = renderRenewedAlert(post.message, renewed);
      try {
        await deps.slack.chat.update({ channel, ts, text: message.text, blocks: message.blocks });
      } catch (err) {
        const slackError = slackErrorCode(err);
        if (!slackError || !gone.has(slackError)) throw err;
        deps.logger.warn({ channel, ts, slackError }, 'expiry alert cannot be updated any more');
      }
      await deps.posts.setShown(channel, ts, ids);
    }
  }

  return async function alertsRenewed(record: RenewalRecord): Promise<void> {
    if (!record.newOrderId) return;
    const renewed: RenewedOrder = {
      newOrderId: record.newOrderId,
      requestId: record.id,
      channelId: record.channelId,
      messageTs: record.messageTs,
    };
    for (const { channel, ts } of await deps.posts.ofOrder(record.orderId)) {
      await deps.posts.markRenewed(channel, ts, record.orderId, renewed);
      await update(channel, ts);
    }
  };
}

/** Updates the expiry alerts of a renewed order. */
export type RenewedAlertUpdates = ReturnType<typeof createRenewedAlertUpdates>;
