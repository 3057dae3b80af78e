import { enqueueDeployment } from '../jobs/queues.ts';
import { type DeployTransitionName, deployMachine, deployTransitions } from './deploy-transitions.ts';
import { canRecheckTls, canRollBack, type DeployResult } from './deployment.ts';
import type { DeploymentRecord } from './deployment-record.ts';
import type { DeployMoveResult } from './deployment-store.ts';
import type { CardAction, QueuedLater, Refusal } from './outcomes.ts';
import type { RenewalRecord } from './record.ts';
import type { MoveChange } from './record-moves.ts';
import { deliverSoon, type RequestServiceDeps } from './request-deps.ts';
import type { RequestService } from './request-service.ts';
import { enqueueAfterMove } from './scheduled-move.ts';
import type { Notice } from './store.ts';
import type { ThreadEvent } from './thread-events.ts';

const tell = (event: ThreadEvent): Notice => ({ kind: 'event', event });
/** The deployment card is refreshed by every move here (the approval card too: the table says so). */
const cards: Notice[] = [{ kind: 'deploy_card' }];

/** A click on the deployment card: the card's message, the claim its button carries, who clicked. */
type DeployClick = CardAction;

type Seen = { request: RenewalRecord; deployment: DeploymentRecord } | { refusal: Refusal };

/**
 * The deployment card's buttons: Deploy and Skip (approvers only, same policy as a renewal, for the version of the
 * deployment the person saw), Roll back on a failed resource, and Check again. Each is one named row of the
 * deployment's table; the worker does the CAS calls, in a job of the decision's own (its run).
 */
export function createDeployService(deps: RequestServiceDeps & { requests: RequestService }) {
  const { store, logger, now } = deps;

  /** The deployment behind a card, at the version the person saw, and where the row `name` may move it from. */
  async function seen(input: DeployClick, name: DeployTransitionName): Promise<Seen> {
    const request = await deps.requests.requestForCard(input.channelId, input.messageTs, input.claim.id);
    const deployment = request && (await store.deployments.get(request.id));
    if (!request || !deployment) return { refusal: { code: 'unknown_card' } };
    if (!deployMachine.canFrom(deployment, name))
      return { refusal: { code: 'not_waiting', record: request, deployment } };
    if (deployment.version !== input.claim.version)
      return { refusal: { code: 'changed', record: request, deployment } };
    const refusal = await deps.requests.authorise(request, input.userId, 'deploy');
    return refusal ? { refusal } : { request, deployment };
  }

  function refused(request: RenewalRecord, result: Extract<DeployMoveResult, { ok: false }>): Refusal {
    if (!('record' in result)) return { code: 'unknown_card' };
    return {
      code: result.reason === 'stale' ? 'changed' : 'not_waiting',
      record: request,
      deployment: result.record,
    };
  }

  /**
   * One decision: the row for the version seen (a decision that gives the worker work counts a run, and queues
   * that run's job), then the thread. A failed enqueue leaves the run to the sweeper, and the person is told so,
   * never "nothing was changed".
   */
  async function decide(
    input: DeployClick,
    found: { request: RenewalRecord; deployment: DeploymentRecord },
    name: DeployTransitionName,
    change: Omit<MoveChange<DeploymentRecord>, 'actor' | 'ifVersion'>,
  ): Promise<Refusal | QueuedLater | undefined> {
    const id = found.request.id;
    const schedules = 'schedule' in deployTransitions[name];
    const run = (found.deployment.run ?? 0) + 1;
    const result = await store.deployments.transition(id, name, {
      ...change,
      actor: input.userId,
      ifVersion: input.claim.version,
      fields: { ...change.fields, ...(schedules ? { run } : {}) },
    });
    if (!result.ok) return refused(found.request, result);
    const queued = schedules
      ? await enqueueAfterMove(() => enqueueDeployment(deps.queues.renewals, id, run), logger, id)
      : undefined;
    await deliverSoon(deps.deliver, logger, id);
    return queued;
  }

  return {
    /** Deploy: authorise as an approval, then one compare-and-set for the version seen; the worker takes it. */
    async approve(input: DeployClick): Promise<Refusal | QueuedLater | undefined> {
      const found = await seen(input, 'deploy_approved');
      if ('refusal' in found) return found.refusal;
      const count = found.deployment.resources?.length ?? 0;
      const queued = await decide(input, found, 'deploy_approved', {
        detail: `${count} resources`,
        fields: { decidedBy: input.userId },
        notify: [tell({ type: 'deploy_approved', by: input.userId, count }), ...cards],
      });
      if (queued?.code !== 'queued_later' && queued) return queued;
      logger.info({ recordId: found.request.id, approvedBy: input.userId }, 'deployment approved');
      return queued;
    },

    /** Skip: the same policy; the deployment ends skipped, the thread says who skipped. */
    async skip(input: DeployClick): Promise<Refusal | undefined> {
      const found = await seen(input, 'deploy_skipped');
      if ('refusal' in found) return found.refusal;
      const outcome = await decide(input, found, 'deploy_skipped', {
        fields: { decidedBy: input.userId },
        notify: [tell({ type: 'deploy_skipped', by: input.userId }), ...cards],
      });
      return outcome?.code === 'queued_later' ? undefined : outcome;
    },

    /** Roll back one failed resource (its WorkerId from the card's block); approvers only. */
    async rollback(input: DeployClick & { workerId: string }): Promise<Refusal | QueuedLater | undefined> {
      const found = await seen(input, 'rollback_requested');
      if ('refusal' in found) return found.refusal;
      const { deployment } = found;
      const resource: DeployResult | undefined = deployment.results?.find(
        (r) => r.workerId === input.workerId && canRollBack(deployment, r),
      );
      if (!resource) return { code: 'not_waiting', record: found.request, deployment };
      return decide(input, found, 'rollback_requested', {
        detail: `worker ${input.workerId}`,
        fields: { rollbackWorkerId: input.workerId, updatedAt: now() },
        notify: [tell({ type: 'rollback_requested', by: input.userId, resource }), ...cards],
      });
    },

    /** Check again: runs the TLS check once more after it found an endpoint not serving the new certificate. */
    async recheckTls(input: DeployClick): Promise<Refusal | QueuedLater | undefined> {
      const found = await seen(input, 'tls_recheck');
      if ('refusal' in found) return found.refusal;
      if (!canRecheckTls(found.deployment))
        return { code: 'not_waiting', record: found.request, deployment: found.deployment };
      return decide(input, found, 'tls_recheck', {
        notify: [tell({ type: 'tls_recheck', by: input.userId }), ...cards],
      });
    },
  };
}

/** The deployment service. */
export type DeployService = ReturnType<typeof createDeployService>;
