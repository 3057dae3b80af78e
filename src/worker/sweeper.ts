import type { Queue } from 'bullmq';
import { type RecordJobData, requeueRenewal } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import type { RenewalStore } from '../renewals/store.ts';

/**
 * Finds requests the worker owns (approved … reviewing) whose renewal job is gone or finished (lost to a crash
 * between approval and enqueue, a Redis failover, a manual removal) and enqueues them again under the same job
 * ID. Safe to run anywhere, any number of times: the record decides what the job does.
 */
export async function sweepOrphans(deps: {
  store: RenewalStore;
  queue: Queue<RecordJobData>;
  logger: Logger;
}): Promise<number> {
  let requeued = 0;
  for (const recordId of await deps.store.activeIds()) {
    const state = await requeueRenewal(deps.queue, recordId);
    if (state !== 'missing' && state !== 'completed' && state !== 'failed' && state !== 'unknown') continue;
    requeued += 1;
    deps.logger.warn({ recordId, previousJob: state }, 'renewal job re-enqueued by the sweeper');
  }
  return requeued;
}
