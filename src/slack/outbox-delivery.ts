import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.ts';
import type { OutboxEntry } from '../renewals/outbox-store.ts';
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

  /**
   * Sends one item as rendered now, or `replacement` in its place (a card stays a card, so later updates find it).
   * `alerted`: the new orders whose expiry alerts this delivery already updated (once is enough).
   */
  async function send(
    record: RenewalRecord,
    item: OutboxItem,
    alerted: Set<string>,
    replacement?: SlackMessage,
  ): Promise<void> {
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
      if (record.newOrderId && !alerted.has(record.newOrderId)) {
        await deps.alertsRenewed?.(record);
        alerted.add(record.newOrderId);
      }
    }
  }

  /**
   * Sends an item; if Slack refuses it for what it holds, sends a short fallback in its place. Returns a result
   * to stop on (wait and try again), or undefined when the item is done with (sent, replaced, or undeliverable).
   */
  async function sendOrReplace(
    record: RenewalRecord,
    item: OutboxItem,
    alerted: Set<string>,
  ): Promise<DeliveryResult | undefined> {
    let replacement: SlackMessage | undefined;
    for (;;) {
      try {
        await send(record, item, alerted, replacement);
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

  /**
   * Delivers the outbox in reads of several items. Each item renders from a record at least as new as the change
   * that queued it (a card shows the record as it is when delivered): the one the caller knows if it is, else the
   * record read after the items. Returns once the outbox is empty and the lock released, or with a result to stop on.
   */
  async function deliverLocked(
    recordId: string,
    lock: OutboxLock,
    held: () => boolean,
    known: RenewalRecord | undefined,
    leaveWorkerItems: boolean,
  ): Promise<DeliveryResult> {
    const alerted = new Set<string>();
    let record: RenewalRecord | undefined | null = known ?? null;
    for (;;) {
      const entries = await deps.store.readOutbox(recordId);
      // Card refreshes a later one in this read supersedes (it renders the record as new or newer): not sent, and
      // removed with the next item delivered, so a crash in between leaves that later one to send.
      const superseded: OutboxEntry[] = [];
      for (const [i, entry] of entries.entries()) {
        if (!held()) return lost;
        if (leaveWorkerItems && entry.item.by === 'worker' && !rendersFrom(known, entry.item)) {
          // The worker's run queued it after the caller's change: the worker delivers it when its run ends.
          await lock.release();
          return { done: true };
        }
        if (entry.item.kind === 'card' && entries.slice(i + 1).some((e) => e.item.kind === 'card')) {
          superseded.push(entry);
          continue;
        }
        if (!rendersFrom(record, entry.item)) record = await deps.store.get(recordId);
        if (!record?.messageTs) {
          deps.logger.warn({ recordId }, 'outbox item dropped: the request has no card to thread under');
        } else {
          const stop = await sendOrReplace(record, entry.item, alerted);
          if (stop) return stop;
        }
        // The last item of the read ends the delivery in the same step as its removal.
        const removal = await deps.store.removeOutboxItems(
          recordId,
          [...superseded.splice(0), entry],
          lock,
          i === entries.length - 1,
        );
        if (!removal.removed) return lost;
        if (removal.left === 0) return { done: true };
      }
      if (entries.length > 0) continue;
      // Empty: the lock is released with it. Items queued meanwhile: the lock is kept for them.
      const left = await deps.store.finishOutbox(recordId, lock);
      if (left < 0) return lost;
      if (left === 0) return { done: true };
    }
  }

  /**
   * Whether an item may render from the record in hand: the record is at least as new as the change that queued
   * the item (so read after it). A deployment card reads the record afresh: posting it writes its ts there.
   */
  function rendersFrom(record: RenewalRecord | undefined | null, item: OutboxItem): boolean {
    if (!record?.messageTs || item.kind === 'deploy_card') return false;
    return item.version !== undefined && record.version >= item.version;
  }

  return async function deliver(
    recordId: string,
    known?: RenewalRecord,
    options: { leaveWorkerItems?: boolean } = {},
  ): Promise<DeliveryResult> {
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
    let result: DeliveryResult | undefined;
    try {
      result = await deliverLocked(recordId, lock, () => held, known, options.leaveWorkerItems === true);
      return result;
    } finally {
      clearInterval(renew);
      // A finished delivery released the lock with its last step.
      if (!result?.done) await lock.release();
    }
  };
}
