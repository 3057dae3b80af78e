import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.ts';
import type { Deliver, DeliveryResult, OutboxItem, OutboxLock, RenewalStore } from '../renewals/store.ts';
import { renderApprovalCard } from './cards.ts';
import { createDeployCardPoster } from './deploy-card-post.ts';
import { slackErrorCode } from './links.ts';
import { renderThreadEvent } from './thread-messages.ts';

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

/** A thread item's text: rendered from its event here, at the edge (an item queued by an older version holds text). */
function threadText(item: OutboxItem | LegacyThreadItem): string {
  return item.kind === 'event' ? renderThreadEvent(item.event) : (item as LegacyThreadItem).text;
}

/** Outbox items written before events (version 0.1): already rendered text. */
type LegacyThreadItem = { kind: 'thread'; text: string; id: string };

/** Options of {@link createOutboxDelivery}. */
export interface OutboxDeliveryDeps {
  store: RenewalStore;
  slack: WebClient;
  logger: Logger;
  now: () => number;
  /**
   * How long the delivery lock lasts without renewal, milliseconds. The holder renews it every third of this
   * while a Slack call is in flight, so only a dead holder loses it. @defaultValue 30000
   */
  lockMs?: number;
}

/**
 * Posts a request's outbox (thread messages, card refreshes) in order, removing each item by its ID only after
 * Slack took it and only while this deliverer still holds the outbox's lock (a fencing token): however slow a
 * Slack call, no two processes deliver the same item, and a deliverer that lost its lock removes nothing.
 * With `rejectRateLimitedCalls`, a 429 comes back as `retryMs` (Retry-After) for the caller to wait without
 * holding a worker: no client-side retry storms, no message lost.
 */
export function createOutboxDelivery(deps: OutboxDeliveryDeps): Deliver {
  const lockMs = deps.lockMs ?? 30_000;
  const postDeployCard = createDeployCardPoster(deps);
  // Another process took over (this one was too slow to renew): it delivers the rest.
  const lost: DeliveryResult = { done: false, retryMs: 250, reason: 'delivery lock lost' };

  async function deliverLocked(
    recordId: string,
    lock: OutboxLock,
    held: () => boolean,
  ): Promise<DeliveryResult> {
    for (
      let item = await deps.store.peekOutbox(recordId);
      item;
      item = await deps.store.peekOutbox(recordId)
    ) {
      if (!held()) return lost;
      const record = await deps.store.get(recordId);
      if (!record?.messageTs) {
        deps.logger.warn({ recordId }, 'outbox item dropped: the request has no card to thread under');
        if (!(await deps.store.popOutbox(recordId, item.id, lock))) return lost;
        continue;
      }
      try {
        if (item.kind === 'deploy_card') {
          await postDeployCard(record);
        } else if (item.kind !== 'card') {
          await deps.slack.chat.postMessage({
            channel: record.channelId,
            thread_ts: record.messageTs,
            text: threadText(item),
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
        const e = err as { code?: string; retryAfter?: number };
        if (e.code === 'slack_webapi_rate_limited_error') {
          return { done: false, retryMs: Math.max(1, e.retryAfter ?? 1) * 1000, reason: 'Slack rate limit' };
        }
        const slackError = slackErrorCode(err);
        if (!slackError || !permanentSlackErrors.has(slackError)) {
          return { done: false, retryMs: 5_000, reason: slackError ?? (err as Error).message };
        }
        deps.logger.warn(
          { recordId, slackError, item: item.kind },
          'outbox item dropped: Slack refused it permanently',
        );
      }
      if (!(await deps.store.popOutbox(recordId, item.id, lock))) return lost;
    }
    await deps.store.pruneOutboxIndex(recordId);
    return { done: true };
  }

  return async function deliver(recordId: string): Promise<DeliveryResult> {
    const lock = await deps.store.lockOutbox(recordId, lockMs);
    if (!lock) return { done: false, retryMs: 250, reason: 'another process is delivering' };
    let held = true;
    // Renewed while a Slack call is in flight (the client may wait out a timeout or a retry): the lock expires
    // only when this process is gone.
    const renew = setInterval(() => {
      lock.extend(lockMs).then(
        (ok) => {
          held &&= ok;
        },
        () => undefined,
      );
    }, lockMs / 3);
    try {
      return await deliverLocked(recordId, lock, () => held);
    } finally {
      clearInterval(renew);
      await lock.release();
    }
  };
}
