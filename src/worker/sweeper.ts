import type { Queue } from 'bullmq';
import { type RecordJobData, requeueDeployment, requeueRenewal } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import type { Deliver, RenewalStore } from '../renewals/store.ts';

/**
 * Finds requests the worker owns (approved … reviewing), and deployments it owns (deploy_approved … rolling_back),
 * whose job is gone or finished (lost to a crash between a decision and its enqueue, a Redis failover, a manual
 * removal) and enqueues them again under the same job ID (a deployment's: its current run). Safe to run anywhere,
 * any number of times: the record decides what the job does.
 */
export async function sweepOrphans(deps: {
  store: RenewalStore;
  queue: Queue<RecordJobData>;
  logger: Logger;
}): Promise<number> {
  let requeued = 0;
  const found = (recordId: string, previous: string, job: string) => {
    requeued += 1;
    deps.logger.warn({ recordId, previousJob: previous }, `${job} job re-enqueued by the sweeper`);
  };
  for (const recordId of await deps.store.activeIds()) {
    const { requeued: done, previous } = await requeueRenewal(deps.queue, recordId);
    if (done) found(recordId, previous, 'renewal');
  }
  for (const recordId of await deps.store.deployments.activeIds()) {
    const run = (await deps.store.deployments.get(recordId))?.run;
    if (run === undefined) continue;
    const { requeued: done, previous } = await requeueDeployment(deps.queue, recordId, run);
    if (done) found(recordId, previous, 'deployment');
  }
  return requeued;
}

/**
 * Delivers the outbox of every request that still has undelivered items, whether or not it has a job (a reject,
 * an expiry or an attached CSR has none): a first delivery that failed is retried here. Returns how many requests
 * were fully delivered.
 */
export async function sweepOutboxes(deps: {
  store: RenewalStore;
  deliver: Deliver;
  logger: Logger;
}): Promise<number> {
  let delivered = 0;
  for (const recordId of await deps.store.idsWithOutbox()) {
    const result = await deps.deliver(recordId).catch((err: unknown) => ({
      done: false as const,
      reason: err instanceof Error ? err.message : String(err),
    }));
    if (result.done) delivered += 1;
    else
      deps.logger.warn({ recordId, reason: result.reason }, 'outbox still not delivered; next sweep retries');
  }
  return delivered;
}
