import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.ts';
import type { RenewalStore } from '../renewals/store.ts';
import { renderApprovalCard } from '../slack/cards.ts';

/** Slack errors that no retry can fix: the item is dropped (and logged) so that the rest still goes out. */
const permanentSlackErrors = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'thread_not_found',
  'invalid_blocks',
  'msg_too_long',
  'no_text',
]);

/** What delivery achieved: everything out, or try again after `retryMs`. */
export type DeliveryResult = { done: true } | { done: false; retryMs: number; reason: string };

/** Delivers one request's outbox. */
export type Deliver = (recordId: string) => Promise<DeliveryResult>;

/**
 * Posts a request's outbox (thread messages, card refreshes) in order, removing each item only after Slack took
 * it. One deliverer per request at a time (the app right after a click, or the worker), so the order holds.
 * With `rejectRateLimitedCalls`, a 429 comes back as `retryMs` (Retry-After) for the job to wait without holding
 * a worker: no client-side retry storms, no message lost.
 */
export function createOutboxDelivery(deps: {
  store: RenewalStore;
  slack: WebClient;
  logger: Logger;
  now: () => number;
}): Deliver {
  async function deliverLocked(recordId: string): Promise<DeliveryResult> {
    for (
      let head = await deps.store.peekOutbox(recordId);
      head;
      head = await deps.store.peekOutbox(recordId)
    ) {
      const { item, raw } = head;
      const record = await deps.store.get(recordId);
      if (!record?.messageTs) {
        deps.logger.warn({ recordId }, 'outbox item dropped: the request has no card to thread under');
        await deps.store.popOutbox(recordId, raw);
        continue;
      }
      try {
        if (item.kind === 'thread') {
          await deps.slack.chat.postMessage({
            channel: record.channelId,
            thread_ts: record.messageTs,
            text: item.text,
          });
        } else {
          const card = renderApprovalCard(record, deps.now());
          await deps.slack.chat.update({
            channel: record.channelId,
            ts: record.messageTs,
            text: card.text,
            blocks: card.blocks,
          });
        }
      } catch (err) {
        const e = err as { code?: string; retryAfter?: number; data?: { error?: string } };
        if (e.code === 'slack_webapi_rate_limited_error') {
          return { done: false, retryMs: Math.max(1, e.retryAfter ?? 1) * 1000, reason: 'Slack rate limit' };
        }
        const slackError = e.data?.error;
        if (slackError && permanentSlackErrors.has(slackError)) {
          deps.logger.warn(
            { recordId, slackError, item: item.kind },
            'outbox item dropped: Slack refused it permanently',
          );
          await deps.store.popOutbox(recordId, raw);
          continue;
        }
        return { done: false, retryMs: 5_000, reason: slackError ?? (err as Error).message };
      }
      await deps.store.popOutbox(recordId, raw);
    }
    return { done: true };
  }

  return async function deliver(recordId: string): Promise<DeliveryResult> {
    // Longer than one delivery (Slack calls time out after 15 s), short enough that a process killed while
    // holding it delays that request's messages by half a minute at most.
    const release = await deps.store.lockOutbox(recordId, 30_000);
    if (!release) return { done: false, retryMs: 250, reason: 'another process is delivering' };
    try {
      return await deliverLocked(recordId);
    } finally {
      await release();
    }
  };
}
