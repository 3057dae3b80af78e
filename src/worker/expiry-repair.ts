import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { expiryJobId, type RecordJobData, scheduleExpiry } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import { nextWakeAt } from '../renewals/reminders.ts';
import { awaitsDecision } from '../renewals/renewal-states.ts';
import type { RenewalStore } from '../renewals/store.ts';

/** Job states in which an expiry job will still run. */
const pendingJobStates = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

/**
 * Finds undecided requests (`requested`) whose expiry job is missing or finished without expiring them
 * (scheduling failed right after the request was written, a crash in between, a failover that lost the job)
 * and schedules it again: due at the request's next reminder not yet posted, else at its `expiresAt` (reminders.ts),
 * at once when that has passed. Without it such a
 * request would hold its order, and silence its expiry alerts, for ever. Safe to run anywhere, any number of
 * times (the job ID is the request's). Returns how many it scheduled.
 */
export async function sweepExpiries(deps: {
  redis: Redis;
  store: RenewalStore;
  queue: Queue<RecordJobData>;
  logger: Logger;
  now: () => number;
}): Promise<number> {
  let scheduled = 0;
  for (const recordId of await deps.redis.smembers(deps.store.key.pending())) {
    const record = await deps.store.get(recordId);
    if (!record || !awaitsDecision(record)) continue;
    const job = await deps.queue.getJob(expiryJobId(recordId));
    const state = job ? await job.getState() : 'missing';
    if (pendingJobStates.has(state)) continue;
    // A failed or completed job of the same ID would make the add a no-op.
    if (job) await job.remove().catch(() => undefined);
    await scheduleExpiry(deps.queue, recordId, nextWakeAt(record) - deps.now());
    scheduled += 1;
    deps.logger.warn({ recordId, previousJob: state }, 'expiry job scheduled by the sweeper');
  }
  return scheduled;
}
