import type { Queue } from 'bullmq';
import type { ApproverDirectory } from '../approval/approvers.ts';
import { type RecordJobData, requeueRenewal } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import { mention, slackDate } from '../slack/mrkdwn.ts';
import type { Deliver } from '../worker/outbox-delivery.ts';
import type { RenewalRecord } from './record.ts';
import { type Reply, threadLink } from './request-deps.ts';
import type { RenewalStore } from './store.ts';

/** Dependencies of {@link createAttentionService}. */
export interface AttentionServiceDeps {
  store: RenewalStore;
  approvers: ApproverDirectory;
  renewals: Queue<RecordJobData>;
  deliver: Deliver;
  logger: Logger;
  now: () => number;
}

/** Where a person who clicked on a card is, and what the button claimed. */
export interface CardClick {
  channelId: string;
  messageTs: string;
  /** The button's value: never trusted, it must name the request the card belongs to. */
  claimedId: string | undefined;
  userId: string;
  reply: Reply;
}

/** What a person found in the CAS console. */
export type Resolution = { outcome: 'renewed'; newOrderId: string } | { outcome: 'not_renewed' };

const code = (text: string) => `\`${text}\``;

/**
 * The way out of `needs_attention`, for approvers: check CAS again (the worker reconciles or follows the known new
 * order once more, which takes the order back) or close the request with what the person saw in the console.
 */
export function createAttentionService(deps: AttentionServiceDeps) {
  const { store, logger, now } = deps;

  async function requestNeedingAttention(click: CardClick): Promise<RenewalRecord | undefined> {
    const record = await store.findByCard(click.channelId, click.messageTs);
    if (!record || record.id !== click.claimedId) {
      await click.reply('This button does not belong to a renewal request I know.');
      return undefined;
    }
    if (record.state !== 'needs_attention') {
      await click.reply('Nothing changed: this request no longer needs attention.');
      return undefined;
    }
    if (!(await deps.approvers.isApprover(click.userId))) {
      await click.reply(`Only ${deps.approvers.describe()} can decide on a request that needs attention.`);
      return undefined;
    }
    return record;
  }

  async function deliverNow(recordId: string): Promise<void> {
    const result = await deps
      .deliver(recordId)
      .catch((err: unknown) => ({ done: false, reason: String(err) }));
    if (!result.done) logger.warn({ recordId, reason: result.reason }, 'thread message left for the sweeper');
  }

  return {
    /** Check CAS again: back to reconciling (or to following the new order, when one is known). */
    async recheck(click: CardClick): Promise<void> {
      const record = await requestNeedingAttention(click);
      if (!record) return;
      const result = await store.transition(record.id, record.newOrderId ? 'recheck_new_order' : 'recheck', {
        actor: click.userId,
        fields: { failures: 0 },
        notify: [
          {
            kind: 'thread',
            text: `:mag: ${mention(click.userId)} asked me to check CAS again at ${slackDate(now())}. Nothing is renewed again: I only look for what happened.`,
          },
          { kind: 'card' },
        ],
      });
      if (!result.ok) {
        if (result.reason === 'order_taken') {
          const other = await store.get(result.ownerId);
          await click.reply(
            `Order ${code(record.orderId)} has a newer request (${other ? threadLink(other) : 'just opened'}), so this one cannot take it back. Check the console and *Close* this one instead.`,
          );
          return;
        }
        await click.reply('Nothing changed: this request no longer needs attention.');
        return;
      }
      await requeueRenewal(deps.renewals, record.id);
      logger.info({ recordId: record.id, orderId: record.orderId, by: click.userId }, 'recheck requested');
      await deliverNow(record.id);
    },

    /** Opens nothing itself: checks that the Close modal may be shown to this person for this card. */
    async mayResolve(click: CardClick): Promise<boolean> {
      return (await requestNeedingAttention(click)) !== undefined;
    },

    /** Close: the person says whether CAS renewed the order (as `newOrderId`) or not. */
    async resolve(click: CardClick & Resolution): Promise<string | undefined> {
      const record = await requestNeedingAttention(click);
      if (!record) return undefined;
      const renewed = click.outcome === 'renewed';
      const result = await store.transition(record.id, renewed ? 'resolved_renewed' : 'resolved', {
        actor: click.userId,
        detail: click.outcome === 'renewed' ? `renewed as order ${click.newOrderId}` : 'not renewed',
        fields: {
          resolution: renewed ? 'renewed' : 'not_renewed',
          resolvedBy: click.userId,
          resolvedAt: now(),
          ...(click.outcome === 'renewed' ? { newOrderId: click.newOrderId } : {}),
        },
        notify: [
          {
            kind: 'thread',
            text: renewed
              ? `:ballot_box_with_check: ${mention(click.userId)} closed this request: CAS renewed order ${code(record.orderId)} as new order ${code(renewed ? click.newOrderId : '')}. Follow that order in the CAS console.`
              : `:ballot_box_with_check: ${mention(click.userId)} closed this request: order ${code(record.orderId)} was not renewed. Run \`/cert renew ${record.orderId}\` if it is still needed.`,
          },
          { kind: 'card' },
        ],
      });
      if (!result.ok) {
        if (result.reason === 'order_claimed')
          return `New order ${code(renewed ? click.newOrderId : '')} belongs to another renewal request; check the ID in the CAS console.`;
        await click.reply('Nothing changed: this request no longer needs attention.');
        return undefined;
      }
      logger.info(
        { recordId: record.id, orderId: record.orderId, by: click.userId, outcome: click.outcome },
        'request closed',
      );
      await deliverNow(record.id);
      return undefined;
    },
  };
}

/** The attention service. */
export type AttentionService = ReturnType<typeof createAttentionService>;
