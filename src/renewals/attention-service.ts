import type { Queue } from 'bullmq';
import type { DecisionPolicy } from '../approval/decisions.ts';
import type { RecordJobData } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import type { CardClaim, QueuedLater, Refusal } from './outcomes.ts';
import { type RenewalRecord, rotationFlag as rotation } from './record.ts';
import { type DeliverNow, deliverSoon } from './request-deps.ts';
import { createScheduledMoves } from './scheduled-move.ts';
import type { RenewalStore } from './store.ts';
import { can } from './transitions.ts';

/** Dependencies of {@link createAttentionService}. */
export interface AttentionServiceDeps {
  store: RenewalStore;
  /** Who may decide (the money approvers of the request's account, else CERT_APPROVERS). */
  decisions: Pick<DecisionPolicy, 'mayDecide'>;
  renewals: Queue<RecordJobData>;
  deliver: DeliverNow;
  logger: Logger;
  now: () => number;
}

/** Where a person who clicked on a card is, and what the button claimed. */
export interface CardClick {
  channelId: string;
  messageTs: string;
  /** What the button named (request and version): never trusted, it must match the card and the record. */
  claim: CardClaim | undefined;
  userId: string;
}

/** What a person found in the CAS console. */
export type Resolution = { outcome: 'renewed'; newOrderId: string } | { outcome: 'not_renewed' };

/**
 * The way out of `needs_attention`, for approvers: check CAS again (the worker reconciles or follows the known new
 * order once more, which takes the order back) or close the request with what the person saw in the console.
 */
export function createAttentionService(deps: AttentionServiceDeps) {
  const { store, logger, now } = deps;
  const move = createScheduledMoves({ store, renewals: deps.renewals, logger });

  async function requestNeedingAttention(
    click: CardClick,
  ): Promise<{ record: RenewalRecord } | { refusal: Refusal }> {
    const record = await store.findByCard(click.channelId, click.messageTs);
    if (!record || !click.claim || record.id !== click.claim.id) return { refusal: { code: 'unknown_card' } };
    if (!can(record, 'resolved')) return { refusal: { code: 'not_needing_attention' } };
    if (record.version !== click.claim.version) return { refusal: { code: 'changed', record } };
    const approver = await deps.decisions.mayDecide('money', click.userId, record.account);
    if (approver === 'unknown') return { refusal: { code: 'approvers_unknown' } };
    if (approver === 'not_approver') {
      const where = record.account !== undefined ? { account: record.account } : {};
      return { refusal: { code: 'not_approver', action: 'decide', decision: 'money', ...where } };
    }
    return { record };
  }

  const deliverNow = (recordId: string) => deliverSoon(deps.deliver, logger, recordId);

  return {
    /** Check CAS again: back to reconciling (or to following the new order, when one is known). */
    async recheck(click: CardClick): Promise<Refusal | QueuedLater | undefined> {
      const found = await requestNeedingAttention(click);
      if ('refusal' in found) return found.refusal;
      const { record } = found;
      // A rotation is looked at again on its instance; a renewal reconciles, or follows its new order.
      const row = can(record, 'recheck_rotation')
        ? 'recheck_rotation'
        : record.newOrderId
          ? 'recheck_new_order'
          : 'recheck';
      const result = await move(record.id, row, {
        actor: click.userId,
        ifVersion: record.version,
        fields: { failures: 0 },
        notify: [
          { kind: 'event', event: { type: 'recheck', by: click.userId, at: now(), ...rotation(record) } },
        ],
      });
      if (!result.ok) {
        if (result.reason === 'order_taken')
          return { code: 'order_taken', orderId: record.orderId, holder: await store.get(result.ownerId) };
        return { code: 'not_needing_attention' };
      }
      // The recheck is written: a failed enqueue leaves it to the sweeper (a worker state), and the person is told so.
      logger.info({ recordId: record.id, orderId: record.orderId, by: click.userId }, 'recheck requested');
      await deliverNow(record.id);
      return result.queued;
    },

    /** Whether the Close modal may be shown to this person for this card: the request (for its wording), or why not. */
    async mayResolve(click: CardClick): Promise<{ request: RenewalRecord } | { refusal: Refusal }> {
      const found = await requestNeedingAttention(click);
      return 'refusal' in found ? found : { request: found.record };
    },

    /** Close: the person says whether CAS renewed the order (as `newOrderId`) or not. */
    async resolve(click: CardClick & Resolution): Promise<Refusal | undefined> {
      const found = await requestNeedingAttention(click);
      if ('refusal' in found) return found.refusal;
      const { record } = found;
      const renewed = click.outcome === 'renewed' ? { newOrderId: click.newOrderId } : undefined;
      if (renewed && record.kind === 'rotation')
        return { code: 'rotation_not_renewed', instanceId: record.orderId };
      const result = await store.transition(record.id, renewed ? 'resolved_renewed' : 'resolved', {
        actor: click.userId,
        ifVersion: record.version,
        detail: renewed ? `renewed as order ${renewed.newOrderId}` : 'not renewed',
        fields: {
          resolution: renewed ? 'renewed' : 'not_renewed',
          resolvedBy: click.userId,
          resolvedAt: now(),
          ...renewed,
        },
        notify: [
          {
            kind: 'event',
            event: {
              type: 'closed',
              by: click.userId,
              orderId: record.orderId,
              ...renewed,
              ...rotation(record),
            },
          },
        ],
      });
      if (!result.ok) {
        if (result.reason === 'order_claimed' && renewed)
          return { code: 'order_claimed', newOrderId: renewed.newOrderId };
        return { code: 'not_needing_attention' };
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
