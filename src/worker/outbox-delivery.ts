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

/**
 * Posts a request's outbox (thread messages, card refreshes) in order, removing each item only after Slack took
 * it. A 429 is not retried here: its Retry-After comes back as `retryMs`, for the job to wait without holding a
 * worker (no client-side retry storms, no message lost).
 */
export function createOutboxDelivery(deps: {
  store: RenewalStore;
  slack: WebClient;
  logger: Logger;
  now: () => number;
}) {
  return async function deliver(recordId: string): Promise<DeliveryResult> {
    for (
      let item = await deps.store.peekOutbox(recordId);
      item;
      item = await deps.store.peekOutbox(recordId)
    ) {
      const record = await deps.store.get(recordId);
      if (!record?.messageTs) {
        deps.logger.warn({ recordId }, 'outbox item dropped: the request has no card to thread under');
        await deps.store.popOutbox(recordId);
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
          await deps.store.popOutbox(recordId);
          continue;
        }
        return { done: false, retryMs: 5_000, reason: slackError ?? (err as Error).message };
      }
      await deps.store.popOutbox(recordId);
    }
    return { done: true };
  };
}
