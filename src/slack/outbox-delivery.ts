import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.ts';
import type { RenewalRecord } from '../renewals/record.ts';
import { isRenewed } from '../renewals/renewal-states.ts';
import type { Deliver, DeliveryResult, OutboxItem, OutboxLock, RenewalStore } from '../renewals/store.ts';
import { renderApprovalCard } from './approval-card.ts';
import type { SlackMessage } from './cards.ts';
import { createDeployCardPoster } from './deploy-card-post.ts';
import { slackErrorCode } from './links.ts';
import { refusedContentErrors, renderRefusedFallback, unreachableErrors } from './outbox-fallback.ts';
import type { RenewedAlertUpdates } from './renewed-alerts.ts';
import { renderThreadEvent } from './thread-messages.ts';

/** Options of {@link createOutboxDelivery}. */
export interface OutboxDeliveryDeps {
  store: RenewalStore;
  slack: WebClient;
  logger: Logger;
  now: () => number;
  /** Takes the Renew button off the order's expiry alerts once the request renewed it (a new order exists). */
  alertsRenewed?: RenewedAlertUpdates;
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
  // Another process took over (this one was too slow to renew): it delivers the rest.
  const lost: DeliveryResult = { done: false, retryMs: 250, reason: 'delivery lock lost' };
  const postDeployCard = createDeployCardPoster(deps);

  /** Sends one item as rendered now, or `replacement` in its place (a card stays a card, so later updates find it). */
  async function send(record: RenewalRecord, item: OutboxItem, replacement?: SlackMessage): Promise<void> {
    const messageTs = record.messageTs as string;
    // A renewed request may have a deployment: the cards show where it stands.
    const deployment =
      item.kind !== 'event' && isRenewed(record) ? await deps.store.deployments.get(record.id) : undefined;
    if (item.kind === 'deploy_card') {
      if (deployment) await postDeployCard(record, deployment, replacement);
    } else if (item.kind !== 'card') {
      await deps.slack.chat.postMessage({
        channel: record.channelId,
        thread_ts: messageTs,
        // A thread item is rendered from its event here, at the edge.
        ...(replacement ?? { text: renderThreadEvent(item.event) }),
      });
    } else {
      const card = replacement ?? renderApprovalCard(record, deps.now(), deployment);
      await deps.slack.chat.update({ channel: record.channelId, ts: messageTs, ...card });
      // With the card, the alerts: once the order is renewed, no alert may offer to renew it again.
      if (record.newOrderId) await deps.alertsRenewed?.(record);
    }
  }

  /**
   * Sends an item; if Slack refuses it for what it holds, sends a short fallback in its place. Returns a result
   * to stop on (wait and try again), or undefined when the item is done with (sent, replaced, or undeliverable).
   */
  async function sendOrReplace(record: RenewalRecord, item: OutboxItem): Promise<DeliveryResult | undefined> {
    let replacement: SlackMessage | undefined;
    for (;;) {
      try {
        await send(record, item, replacement);
        return undefined;
      } catch (err) {
        const e = err as { code?: string; retryAfter?: number };
        if (e.code === 'slack_webapi_rate_limited_error') {
          return { done: false, retryMs: Math.max(1, e.retryAfter ?? 1) * 1000, reason: 'Slack rate limit' };
        }
        const slackError = slackErrorCode(err);
        const refused = slackError !== undefined && refusedContentErrors.has(slackError);
        if (refused && !replacement) {
          deps.logger.warn(
            { recordId: record.id, slackError, item: item.kind },
            'Slack refused an outbox item for its content: a short fallback replaces it',
          );
          replacement = renderRefusedFallback(record, slackError);
          continue;
        }
        if (!refused && !(slackError && unreachableErrors.has(slackError))) {
          return { done: false, retryMs: 5_000, reason: slackError ?? (err as Error).message };
        }
        deps.logger.warn(
          { recordId: record.id, slackError, item: item.kind },
          'outbox item dropped: Slack refused it permanently',
        );
        return undefined;
      }
    }
  }

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
      } else {
        const stop = await sendOrReplace(record, item);
        if (stop) return stop;
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
