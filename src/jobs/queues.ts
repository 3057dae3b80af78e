import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** Queue names (under `CERT_REDIS_PREFIX`). */
export const queueNames = {
  /** Approved requests: the paid call, then status polling (issue 4's worker). */
  renewals: 'renewals',
  /** Housekeeping of requests: expiry of undecided requests. */
  approvals: 'approvals',
} as const;

/** Job data carries IDs only: the record in Redis decides, and nothing secret is ever in a job. */
export interface RecordJobData {
  recordId: string;
}

/** The queues the app role writes to. */
export interface AppQueues {
  renewals: Queue<RecordJobData>;
  approvals: Queue<RecordJobData>;
  close(): Promise<void>;
}

/** Creates the queues on a shared connection, under the configured prefix; connection errors go to `onError`. */
export function createQueues(connection: Redis, prefix: string, onError: (err: Error) => void): AppQueues {
  const renewals = new Queue<RecordJobData>(queueNames.renewals, { connection, prefix });
  const approvals = new Queue<RecordJobData>(queueNames.approvals, { connection, prefix });
  // Without a listener, an 'error' event (Redis restarting) would be thrown by EventEmitter.
  renewals.on('error', onError);
  approvals.on('error', onError);
  return {
    renewals,
    approvals,
    async close() {
      await Promise.all([renewals.close(), approvals.close()]);
    },
  };
}

/** Job ID of a request's renewal job: adding it twice is a no-op while the job exists. */
export const renewalJobId = (recordId: string) => `renew-${recordId}`;

/** Enqueues the renewal of an approved request (idempotent by job ID). */
export async function enqueueRenewal(queue: Queue<RecordJobData>, recordId: string): Promise<void> {
  await queue.add(
    'renew',
    { recordId },
    {
      jobId: renewalJobId(recordId),
      // Unexpected errors (a bug, Redis away) are retried; the record makes every retry safe.
      attempts: 8,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  );
}

/** Schedules the expiry of an undecided request at `at` (epoch ms). */
export async function scheduleExpiry(
  queue: Queue<RecordJobData>,
  recordId: string,
  delayMs: number,
): Promise<void> {
  await queue.add(
    'expire',
    { recordId },
    {
      jobId: `expire-${recordId}`,
      delay: Math.max(0, delayMs),
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  );
}
