import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

/** Queue names (under `CERT_REDIS_PREFIX`). */
export const queueNames = {
  /** Approved requests: the paid call, then status polling (issue 4's worker). */
  renewals: 'renewals',
  /** Housekeeping of requests: expiry of undecided requests. */
  approvals: 'approvals',
  /** The scheduled expiry scan. */
  scans: 'scans',
} as const;

/** ID of the one expiry-scan job scheduler. */
export const expiryScanSchedulerId = 'expiry-scan';

/**
 * Makes the scheduled expiry scan match the configuration: every process upserts the same scheduler ID, so exactly
 * one schedule exists however many processes start; with no alert destination, the schedule is removed.
 */
export async function syncExpiryScanSchedule(
  queue: Queue,
  alerts: { cron: string; timezone: string; channel: string | undefined; routes: readonly unknown[] },
  /** An accounts file is read (CERT_ACCOUNTS): each account's alerts go to its own first channel. */
  accountChannels = false,
): Promise<void> {
  if (!accountChannels && !alerts.channel && alerts.routes.length === 0) {
    await queue.removeJobScheduler(expiryScanSchedulerId);
    return;
  }
  await queue.upsertJobScheduler(
    expiryScanSchedulerId,
    { pattern: alerts.cron, tz: alerts.timezone },
    { name: 'scan', data: {}, opts: { removeOnComplete: 50, removeOnFail: 50 } },
  );
}

/** Job data carries IDs only: the record in Redis decides, and nothing secret is ever in a job. */
export interface RecordJobData {
  recordId: string;
  /** A deployment's run (its job is `deploy-<recordId>-<run>`); absent in the request's renewal job. */
  run?: number;
}

/** The queues a role writes to (the app role on its fail-fast connection, the worker role on its own). */
export interface AppQueues {
  renewals: Queue<RecordJobData>;
  approvals: Queue<RecordJobData>;
  scans: Queue;
  close(): Promise<void>;
}

/**
 * Creates the queues on a shared connection, under the configured prefix; connection errors go to `onError` with
 * the queue's name (see {@link logQueueErrors}).
 */
export function createQueues(
  connection: Redis,
  prefix: string,
  onError: (err: Error, queue: string) => void,
): AppQueues {
  const renewals = new Queue<RecordJobData>(queueNames.renewals, { connection, prefix });
  const approvals = new Queue<RecordJobData>(queueNames.approvals, { connection, prefix });
  const scans = new Queue(queueNames.scans, { connection, prefix });
  // Without a listener, an 'error' event (Redis restarting) would be thrown by EventEmitter.
  for (const queue of [renewals, approvals, scans] as Queue[])
    queue.on('error', (err) => onError(err, queue.name));
  return {
    renewals,
    approvals,
    scans,
    async close() {
      await Promise.all([renewals.close(), approvals.close(), scans.close()]);
    },
  };
}

/**
 * A queue-error handler for {@link createQueues} that logs the role, the queue and the error's message (a Redis
 * connection error: its message names a host and port, never a password), at `warn`: BullMQ reconnects by itself.
 */
export function logQueueErrors(logger: Logger, role: string): (err: Error, queue: string) => void {
  return (err, queue) => logger.warn({ role, queue, err: { message: err.message } }, 'queue error');
}

/** Job ID of a request's renewal job: adding it twice is a no-op while the job exists. */
export const renewalJobId = (recordId: string) => `renew-${recordId}`;

/**
 * Enqueues the renewal of an approved request (idempotent by job ID): a move's `schedule: renewal`
 * (scheduled-move.ts).
 */
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

/**
 * Enqueues a job again under its ID: a finished job of that ID is removed first (BullMQ ignores an add while the
 * job exists). A job still waiting, delayed or active is left alone. Says whether it enqueued, and the state of the
 * job it found.
 */
async function requeue(
  queue: Queue<RecordJobData>,
  jobId: string,
  add: () => Promise<void>,
): Promise<{ requeued: boolean; previous: string }> {
  const job = await queue.getJob(jobId);
  const previous = job ? await job.getState() : 'missing';
  if (!['missing', 'completed', 'failed', 'unknown'].includes(previous)) return { requeued: false, previous };
  if (job) await job.remove().catch(() => undefined);
  await add();
  return { requeued: true, previous };
}

/** Enqueues a request's renewal job again (a move's `schedule: renewal_again`; the sweeper too; see {@link requeue}). */
export function requeueRenewal(queue: Queue<RecordJobData>, recordId: string) {
  return requeue(queue, renewalJobId(recordId), () => enqueueRenewal(queue, recordId));
}

/**
 * Job ID of one run of a request's deployment. Each decision of a person (Deploy, Check again, Roll back) counts a
 * run on the deployment record and is a job of its own: it never meets the renewal job, nor the previous run's job
 * still finishing, so no decision waits for another job to complete.
 */
export const deployJobId = (recordId: string, run: number) => `deploy-${recordId}-${run}`;

/** Enqueues a run of a request's deployment (idempotent by job ID). */
export async function enqueueDeployment(
  queue: Queue<RecordJobData>,
  recordId: string,
  run: number,
): Promise<void> {
  await queue.add(
    'deploy',
    { recordId, run },
    {
      jobId: deployJobId(recordId, run),
      attempts: 8,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  );
}

/** Enqueues a deployment's run again (the sweeper's; see {@link requeue}). */
export function requeueDeployment(queue: Queue<RecordJobData>, recordId: string, run: number) {
  return requeue(queue, deployJobId(recordId, run), () => enqueueDeployment(queue, recordId, run));
}
