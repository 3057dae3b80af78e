import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { scrubText } from '../logging.ts';
import type { RenewalRecord } from '../renewals/record.ts';
import { isWorkerOwned, stepOf, type WorkerStep } from '../renewals/renewal-states.ts';
import { can } from '../renewals/transitions.ts';
import { giveUpDeployment, runDeployStep } from './deploy-run.ts';
import {
  createStepContext,
  type RenewalJobData,
  type RenewalProcessorDeps,
  type Step,
  type StepContext,
  type StepRun,
} from './step-context.ts';
import { applyReconcileStep, applyStep } from './steps/apply.ts';
import { pollStep } from './steps/poll.ts';
import { reconcileStep } from './steps/reconcile.ts';
import { rotateStep, rotationCheckStep } from './steps/rotate.ts';
import { rotationPollStep } from './steps/rotation-follow.ts';
import { submitStep } from './steps/submit.ts';

export type { RenewalJobData, RenewalProcessorDeps, RenewalTimings } from './step-context.ts';

/** The function of each worker step the state machine names (renewal-states.ts: a state's `step`). */
const steps: Record<WorkerStep, StepRun<RenewalRecord>> = {
  submit: submitStep,
  reconcile: (ctx, record, data) => reconcileStep(ctx, record, data),
  // The application first (unless a person applies in the console): the order waits for it.
  application: (ctx, record, data, signal) =>
    record.applyMode === 'manual'
      ? pollStep(ctx, record, data, signal)
      : applyStep(ctx, record, data, signal),
  application_check: (ctx, record, data, signal) =>
    record.appliedAt ? pollStep(ctx, record, data, signal) : applyReconcileStep(ctx, record, data, signal),
  poll: pollStep,
};

/**
 * A rotation's steps (a V2 subscription's next certificate): it enters at `submitted` (no paid call), applies on
 * its own instance, then follows the application's task and the instance. The states and moves are the same rows.
 */
const rotationSteps: Record<WorkerStep, StepRun<RenewalRecord>> = {
  submit: (ctx, record) => ctx.needsAttention(record, { code: 'no_new_order_id' }),
  reconcile: (ctx, record) => ctx.needsAttention(record, { code: 'no_new_order_id' }),
  application: rotateStep,
  application_check: (ctx, record, data, signal) =>
    record.appliedAt
      ? rotationPollStep(ctx, record, data, signal)
      : rotationCheckStep(ctx, record, data, signal),
  poll: rotationPollStep,
};

/** Runs the step the record's state calls for (one worker run is one or more of these); none: done. */
export async function runStep(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  const step = stepOf(record);
  const table = record.kind === 'rotation' ? rotationSteps : steps;
  return step ? table[step](ctx, record, data, signal) : { kind: 'done' };
}

/**
 * Takes one slot of the queue's rate limit (CERT_CAS_QPS: BullMQ's limiter, a count per fixed window) as BullMQ's
 * activation of a job takes it (moveToActive's Lua). KEYS: limiter. ARGV: max, duration ms. Returns 1 if taken.
 */
const rateLimitSlotScript = `
local taken = redis.call('INCR', KEYS[1])
if taken == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
-- Over the limit in a live window: the slot is given back (no one sees the count in between: one script).
if taken > tonumber(ARGV[1]) and redis.call('PTTL', KEYS[1]) > 0 then
  redis.call('DECR', KEYS[1])
  return 0
end
return 1
`;

/** The worker a job runs in, as far as its rate limit goes (BullMQ keeps it on the job). */
interface JobWorker {
  keys?: { limiter?: string };
  opts?: { limiter?: { max: number; duration: number } };
  getBackend?: () => { client?: Promise<Redis> };
}

/**
 * Whether the run may take its next step now instead of moving the job to delayed and back: it takes a slot of
 * the worker's rate limit, so steps in a row are paced exactly as job activations are. False when the job does not
 * say where its limit is (then the job goes through delayed, and BullMQ paces it).
 */
async function rateLimitSlot(job: Job): Promise<boolean> {
  const worker = (job as unknown as { queue?: JobWorker }).queue;
  const key = worker?.keys?.limiter;
  const connection = worker?.getBackend?.().client;
  if (!key || !connection) return false;
  const limiter = worker.opts?.limiter;
  if (!limiter) return true;
  const client = await connection;
  const args = [String(limiter.max), String(limiter.duration)];
  return (await client.eval(rateLimitSlotScript, 1, key, ...args)) === 1;
}

/**
 * The renewal job: one per approved request, run as steps (submit, reconcile, poll) that save their counters and
 * move the job to delayed between polls, so waits of days hold no worker. The record decides each step; the paid
 * call is made only from `approved`, after the record moved to `submitting` — a run that finds `submitting` asks
 * CAS what happened and never calls renew again.
 */
export function createRenewalProcessor(deps: RenewalProcessorDeps) {
  const ctx = createStepContext(deps);
  const { store, now } = deps;
  // Requests whose record counts failed runs: a run that completes resets the count (one write, only then).
  const failuresSeen = new Set<string>();
  // The account each step acts in is its request's, bound when the request was created (accounts/account-cas.ts).
  const inAccount = <T>(
    account: string | undefined,
    id: string,
    purpose: 'renew' | 'deploy',
    work: () => Promise<T>,
  ) => (deps.actAs ? deps.actAs(account, id, purpose, work) : work());
  const accounts = new Map<string, string | undefined>();
  async function accountOfRequest(requestId: string): Promise<string | undefined> {
    if (!accounts.has(requestId)) accounts.set(requestId, (await store.get(requestId))?.account);
    return accounts.get(requestId);
  }

  /** Runs one step; says what it decided and the record it started from. */
  async function step(
    recordId: string,
    data: RenewalJobData,
    signal: AbortSignal | undefined,
  ): Promise<{ outcome: Step; record?: RenewalRecord }> {
    if (data.run !== undefined) {
      // A deployment's run: its own record (read each step), its own job.
      const deployment = await store.deployments.get(recordId);
      if (!deployment) return { outcome: { kind: 'done' } };
      if (deployment.failures) failuresSeen.add(`deploy:${recordId}`);
      // In its request's account: read from the request once per process (accounts are bound at creation).
      const account = deps.actAs ? await accountOfRequest(recordId) : undefined;
      return {
        outcome: await inAccount(account, recordId, 'deploy', () =>
          runDeployStep(ctx, deployment, data, signal),
        ),
      };
    }
    // One read of the record per step at most: a step after a state change starts from the record it read back.
    const kept = ctx.takeLatest(recordId);
    const record = kept ?? (await store.get(recordId));
    deps.logger.debug({ recordId, state: record?.state, record: kept ? 'kept' : 'read' }, 'worker step');
    if (!record) return { outcome: { kind: 'done' } };
    if (record.failures) failuresSeen.add(recordId);
    return {
      outcome: await inAccount(record.account, recordId, 'renew', () => runStep(ctx, record, data, signal)),
      record,
    };
  }

  /**
   * Counts a run that ended in an unexpected error (a bug, Redis refusing writes) on the record, so the count
   * survives retries and the sweeper's re-enqueues. At the limit the request needs attention with the last error,
   * and the job stops retrying.
   */
  async function runFailed(recordId: string, deploy: boolean, err: unknown): Promise<never> {
    // Free text from anywhere: it goes to the record, the thread and the job, so PEMs and tokens are scrubbed.
    const message = scrubText(err instanceof Error ? err.message : String(err));
    const records = deploy ? store.deployments : store;
    const failures = await records.countFailure(recordId, message).catch(() => undefined);
    if (failures !== undefined && failures >= deps.timings.maxRunFailures) {
      const gaveUp = () => new UnrecoverableError(`gave up after ${failures} failed runs: ${message}`);
      if (deploy) {
        if (await giveUpDeployment(ctx, recordId, message)) throw gaveUp();
        throw err;
      }
      const record = await store.get(recordId).catch(() => undefined);
      if (record && can(record, 'needs_attention')) {
        await ctx.needsAttention(
          record,
          {
            code: 'run_failures',
            failures,
            lastError: message.slice(0, 300),
            ...(record.kind === 'rotation' ? { instanceId: record.instanceId ?? record.orderId } : {}),
          },
          { lastError: message.slice(0, 300) },
        );
        throw gaveUp();
      }
    }
    throw err;
  }

  return async function process(
    job: Job<RenewalJobData>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const data: RenewalJobData = { ...job.data };
    const recordId = data.recordId;
    const deploy = data.run !== undefined;
    let outcome: Step = { kind: 'again' };
    let delivery: Awaited<ReturnType<typeof deps.deliver>>;
    // A record kept from an earlier run may be old: the run's first step reads it.
    ctx.takeLatest(recordId);
    try {
      // A run may take several steps in a row (e.g. submitted, then the first poll after a zero delay): a zero
      // delay runs the next step now rather than through a move to delayed and back.
      let known: RenewalRecord | undefined;
      for (let i = 0; i < 10; i++) {
        if (outcome.kind === 'done') break;
        // A zero delay goes on in this run if the queue's rate limit has room, as the job's next activation would.
        if (outcome.kind === 'later' && !(outcome.ms <= 0 && (await rateLimitSlot(job)))) break;
        ({ outcome, record: known } = await step(recordId, data, signal));
      }
      // The thread and the card render from the newest record the run has (its last state change's read-back),
      // unless the outbox holds something newer.
      delivery = await deps.deliver(recordId, ctx.takeLatest(recordId) ?? known);
      if (failuresSeen.delete(deploy ? `deploy:${recordId}` : recordId))
        await (deploy ? store.deployments : store).clearFailures(recordId);
    } catch (err) {
      return runFailed(recordId, deploy, err);
    } finally {
      ctx.takeLatest(recordId);
    }
    let delayMs: number | undefined =
      outcome.kind === 'later' ? outcome.ms : outcome.kind === 'again' ? 0 : undefined;
    if (!delivery.done) delayMs = Math.max(delayMs ?? 0, delivery.retryMs);
    // A deployment run ends here: a person's next decision is a run, and a job, of its own.
    if (delayMs === undefined && deploy) return 'done';
    if (delayMs === undefined) {
      // A person may have given the request more work while this run finished (Check CAS again): their requeue
      // found this job still active, so the job carries on instead of completing.
      const current = await store.get(recordId);
      if (!current || !isWorkerOwned(current)) return current?.state ?? 'missing';
      delayMs = 0;
    }
    // Save the counters before moving to delayed: a crash in between then replays the *next* step, never an old one.
    await job.updateData(data);
    await job.moveToDelayed(now() + delayMs, token);
    throw new DelayedError();
  };
}
