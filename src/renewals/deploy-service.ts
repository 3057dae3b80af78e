import { canRecheckTls, canRollBack, type DeployResult } from './deployment.ts';
import type { CardAction, QueuedLater, Refusal } from './outcomes.ts';
import { deliverSoon, type RequestServiceDeps } from './request-deps.ts';
import type { RequestService } from './request-service.ts';
import { createScheduledMoves } from './scheduled-move.ts';
import type { Notice } from './store.ts';
import type { ThreadEvent } from './thread-events.ts';

const tell = (event: ThreadEvent): Notice => ({ kind: 'event', event });
/** The deployment card is refreshed by every move here (the approval card too: the table says so). */
const cards: Notice[] = [{ kind: 'deploy_card' }];

/**
 * The deployment card's buttons: Deploy and Skip (approvers only, same policy as a renewal, for the version of the
 * request the person saw), and Roll back on a failed resource. Each is one named transition; the worker does the
 * CAS calls.
 */
export function createDeployService(deps: RequestServiceDeps & { requests: RequestService }) {
  const { store, logger, now } = deps;

  const seen = deps.requests.seenRequest;
  const refusedMove = deps.requests.notWaiting;
  // A decision is written, then its job queued (the row's schedule): a failed enqueue leaves it to the sweeper,
  // and the person is told so, never "nothing was changed" (deployment states are worker states).
  const move = createScheduledMoves({ store, renewals: deps.queues.renewals, logger });

  return {
    /** Deploy: authorise as an approval, then one compare-and-set for the version seen; the worker takes it. */
    async approve(input: CardAction): Promise<Refusal | QueuedLater | undefined> {
      const found = await seen(input.channelId, input.messageTs, input.claim, 'deploy_approved');
      if ('refusal' in found) return found.refusal;
      const refusal = await deps.requests.authorise(found.record, input.userId, 'deploy');
      if (refusal) return refusal;
      const count = found.record.deployResources?.length ?? 0;
      const result = await move(found.record.id, 'deploy_approved', {
        actor: input.userId,
        ifVersion: input.claim.version,
        detail: `${count} resources`,
        fields: { deployDecidedBy: input.userId },
        notify: [tell({ type: 'deploy_approved', by: input.userId, count }), ...cards],
      });
      if (!result.ok) return refusedMove(result);
      logger.info({ recordId: found.record.id, approvedBy: input.userId }, 'deployment approved');
      await deliverSoon(deps.deliver, logger, found.record.id);
      return result.queued;
    },

    /** Skip: the same policy; the request ends issued, the thread says who skipped. */
    async skip(input: CardAction) {
      const found = await seen(input.channelId, input.messageTs, input.claim, 'deploy_skipped');
      if ('refusal' in found) return found.refusal;
      const refusal = await deps.requests.authorise(found.record, input.userId, 'deploy');
      if (refusal) return refusal;
      const result = await store.transition(found.record.id, 'deploy_skipped', {
        actor: input.userId,
        ifVersion: input.claim.version,
        fields: { deployDecidedBy: input.userId },
        notify: [tell({ type: 'deploy_skipped', by: input.userId }), ...cards],
      });
      if (!result.ok) return refusedMove(result);
      await deliverSoon(deps.deliver, logger, found.record.id);
      return undefined;
    },

    /** Roll back one failed resource (its WorkerId from the card's block); approvers only. */
    async rollback(input: CardAction & { workerId: string }): Promise<Refusal | QueuedLater | undefined> {
      const found = await seen(input.channelId, input.messageTs, input.claim, 'rollback_requested');
      if ('refusal' in found) return found.refusal;
      const refusal = await deps.requests.authorise(found.record, input.userId, 'deploy');
      if (refusal) return refusal;
      const record = found.record;
      const resource: DeployResult | undefined = record.deployResults?.find(
        (r) => r.workerId === input.workerId && canRollBack(record, r),
      );
      if (!resource) return { code: 'not_waiting', record: found.record };
      const result = await move(found.record.id, 'rollback_requested', {
        actor: input.userId,
        ifVersion: input.claim.version,
        detail: `worker ${input.workerId}`,
        fields: { rollbackWorkerId: input.workerId, updatedAt: now() },
        notify: [tell({ type: 'rollback_requested', by: input.userId, resource }), ...cards],
      });
      if (!result.ok) return refusedMove(result);
      await deliverSoon(deps.deliver, logger, found.record.id);
      return result.queued;
    },

    /** Check again: runs the TLS check once more after it found an endpoint not serving the new certificate. */
    async recheckTls(input: CardAction): Promise<Refusal | QueuedLater | undefined> {
      const found = await seen(input.channelId, input.messageTs, input.claim, 'tls_recheck');
      if ('refusal' in found) return found.refusal;
      const refusal = await deps.requests.authorise(found.record, input.userId, 'deploy');
      if (refusal) return refusal;
      if (!canRecheckTls(found.record)) return { code: 'not_waiting', record: found.record };
      const result = await move(found.record.id, 'tls_recheck', {
        actor: input.userId,
        ifVersion: input.claim.version,
        notify: [tell({ type: 'tls_recheck', by: input.userId }), ...cards],
      });
      if (!result.ok) return refusedMove(result);
      await deliverSoon(deps.deliver, logger, found.record.id);
      return result.queued;
    },
  };
}

/** The deployment service. */
export type DeployService = ReturnType<typeof createDeployService>;
