import { ensureRenewalRuns } from '../jobs/queues.ts';
import { canRecheckTls, canRollBack, type DeployResult } from './deployment.ts';
import type { CardAction, QueuedLater, Refusal } from './outcomes.ts';
import { queueAfterDecision } from './queue-after-decision.ts';
import { deliverSoon, type RequestServiceDeps } from './request-deps.ts';
import type { RequestService } from './request-service.ts';
import type { OutboxMessage } from './store.ts';
import type { ThreadEvent } from './thread-events.ts';

const tell = (event: ThreadEvent): OutboxMessage => ({ kind: 'event', event });
const cards: OutboxMessage[] = [{ kind: 'deploy_card' }, { kind: 'card' }];

/**
 * The deployment card's buttons: Deploy and Skip (approvers only, same policy as a renewal, for the version of the
 * request the person saw), and Roll back on a failed resource. Each is one named transition; the worker does the
 * CAS calls.
 */
export function createDeployService(deps: RequestServiceDeps & { requests: RequestService }) {
  const { store, logger, now } = deps;

  const seen = deps.requests.seenRequest;
  const refusedMove = deps.requests.notWaiting;
  // The decision is written: a failed enqueue leaves it to the sweeper, and the person is told so, never
  // "nothing was changed" (deployment states are worker states, so the sweeper finds them without a job).
  const runAfterDecision = (recordId: string) =>
    queueAfterDecision(() => ensureRenewalRuns(deps.queues.renewals, recordId), logger, recordId);

  return {
    /** Deploy: authorise as an approval, then one compare-and-set for the version seen; the worker takes it. */
    async approve(input: CardAction): Promise<Refusal | QueuedLater | undefined> {
      const found = await seen(input.channelId, input.messageTs, input.claim, ['deploy_requested']);
      if ('refusal' in found) return found.refusal;
      const refusal = await deps.requests.authorise(found.record, input.userId, 'deploy');
      if (refusal) return refusal;
      const count = found.record.deployResources?.length ?? 0;
      const result = await store.transition(found.record.id, 'deploy_approved', {
        actor: input.userId,
        ifVersion: input.claim.version,
        detail: `${count} resources`,
        fields: { deployDecidedBy: input.userId },
        notify: [tell({ type: 'deploy_approved', by: input.userId, count }), ...cards],
      });
      if (!result.ok) return refusedMove(result);
      const queued = await runAfterDecision(found.record.id);
      logger.info({ recordId: found.record.id, approvedBy: input.userId }, 'deployment approved');
      await deliverSoon(deps.deliver, logger, found.record.id);
      return queued;
    },

    /** Skip: the same policy; the request ends issued, the thread says who skipped. */
    async skip(input: CardAction) {
      const found = await seen(input.channelId, input.messageTs, input.claim, ['deploy_requested']);
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
      const found = await seen(input.channelId, input.messageTs, input.claim, ['deployed', 'verified']);
      if ('refusal' in found) return found.refusal;
      const refusal = await deps.requests.authorise(found.record, input.userId, 'deploy');
      if (refusal) return refusal;
      const record = found.record;
      const resource: DeployResult | undefined = record.deployResults?.find(
        (r) => r.workerId === input.workerId && canRollBack(record, r),
      );
      if (!resource) return { code: 'not_waiting', record: found.record };
      const result = await store.transition(found.record.id, 'rollback_requested', {
        actor: input.userId,
        ifVersion: input.claim.version,
        detail: `worker ${input.workerId}`,
        fields: { rollbackWorkerId: input.workerId, updatedAt: now() },
        notify: [tell({ type: 'rollback_requested', by: input.userId, resource }), ...cards],
      });
      if (!result.ok) return refusedMove(result);
      const queued = await runAfterDecision(found.record.id);
      await deliverSoon(deps.deliver, logger, found.record.id);
      return queued;
    },

    /** Check again: runs the TLS check once more after it found an endpoint not serving the new certificate. */
    async recheckTls(input: CardAction): Promise<Refusal | QueuedLater | undefined> {
      const found = await seen(input.channelId, input.messageTs, input.claim, ['deployed']);
      if ('refusal' in found) return found.refusal;
      const refusal = await deps.requests.authorise(found.record, input.userId, 'deploy');
      if (refusal) return refusal;
      if (!canRecheckTls(found.record)) return { code: 'not_waiting', record: found.record };
      const result = await store.transition(found.record.id, 'tls_recheck', {
        actor: input.userId,
        ifVersion: input.claim.version,
        notify: [tell({ type: 'tls_recheck', by: input.userId }), ...cards],
      });
      if (!result.ok) return refusedMove(result);
      const queued = await runAfterDecision(found.record.id);
      await deliverSoon(deps.deliver, logger, found.record.id);
      return queued;
    },
  };
}

/** The deployment service. */
export type DeployService = ReturnType<typeof createDeployService>;
