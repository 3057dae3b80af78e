import type { DeployTransitionName } from '../../renewals/deploy-transitions.ts';
import type { DeployResult } from '../../renewals/deployment.ts';
import type { DeploymentRecord } from '../../renewals/deployment-record.ts';
import type { MoveChange } from '../../renewals/record-moves.ts';
import type { Notice } from '../../renewals/store.ts';
import { type Step, type StepContext, tell } from '../step-context.ts';

export const deployCard: Notice = { kind: 'deploy_card' };

/** A move of the deployment by the worker. */
export function moveDeployment(
  ctx: StepContext,
  record: DeploymentRecord,
  name: DeployTransitionName,
  change: Omit<MoveChange<DeploymentRecord>, 'actor'> = {},
) {
  return ctx.store.deployments.transition(record.requestId, name, { actor: 'worker', ...change });
}

/** The account's first CAS contact, for a request whose application named none (a deployment job needs one). */
export async function anyContact(ctx: StepContext, options: { signal?: AbortSignal }): Promise<string[]> {
  const contacts = await ctx.cas.listContacts(options).catch(() => []);
  return contacts.slice(0, 1).map((c) => c.ContactId);
}

/** Each resource's outcome in the job (ListWorkerResource), with what the proposal knew of it. */
export async function workerResults(
  ctx: StepContext,
  record: DeploymentRecord,
  jobId: string,
  signal: AbortSignal | undefined,
): Promise<DeployResult[]> {
  const workers = await ctx.cas.listWorkerResources(jobId, signal ? { signal } : {});
  const proposed = new Map((record.resources ?? []).map((r) => [r.resourceId, r]));
  return workers.map((w) => {
    const known = w.ResourceId ? proposed.get(w.ResourceId) : undefined;
    // What ListWorkerResource really has (Alibaba's model): ResourceDomain, CertDomain, Port; no reason of a failure.
    const domain = w.ResourceDomain ?? known?.domain;
    const region = w.RegionId ?? known?.region;
    const port = w.Port ?? known?.listenerPort;
    return {
      workerId: w.Id,
      resourceId: w.ResourceId ?? known?.resourceId ?? '',
      product: w.CloudProduct ?? known?.product ?? 'unknown',
      ...(domain ? { domain } : {}),
      ...(region ? { region } : {}),
      ...(port ? { listenerPort: port } : {}),
      ...(w.CertDomain ? { certDomain: w.CertDomain } : {}),
      status: w.Status,
    };
  });
}

/**
 * Ends a deployment the worker cannot take further: with a job (it exists; the console has the rest) as
 * `deploy_lost`, without one as `deploy_not_created` — a deployment never created is never "Deployed".
 */
export async function lost(
  ctx: StepContext,
  record: DeploymentRecord,
  jobId: string | undefined,
  reason: string,
): Promise<Step> {
  const moved = await ctx.store.deployments.transition(
    record.requestId,
    jobId ? 'deploy_lost' : 'deploy_not_created',
    {
      actor: 'worker',
      detail: reason,
      notify: [
        tell(jobId ? { type: 'deploy_lost', jobId, reason } : { type: 'deploy_not_created', reason }),
        deployCard,
      ],
    },
  );
  ctx.logger.warn({ recordId: record.requestId, jobId, reason }, 'deployment not followed to its end');
  return moved.ok ? { kind: 'done' } : { kind: 'again' };
}
