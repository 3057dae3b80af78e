import { type CasApiError, casOutcome, isCasRefusal, retryAfterMs } from '../cas/errors.ts';
import { type AppError, isAppError } from '../errors.ts';
import { type DeployTransitionName, deployTransitions } from '../renewals/deploy-transitions.ts';
import type { DeployMoveResult } from '../renewals/deployment-store.ts';
import type { MoveChange } from '../renewals/record-moves.ts';
import type { TransitionResult } from '../renewals/store.ts';
import type { ThreadEvent } from '../renewals/thread-events.ts';
import type { TransitionName } from '../renewals/transitions.ts';
import { type RenewalJobData, type Step, type StepContext, tell } from './step-context.ts';

/** The record a once-only call is claimed on: a request, or its deployment (named by its request's ID). */
export interface OnceRecord {
  id: string;
  updatedAt?: number | undefined;
}

/** A move of either table: the two tables' row names are distinct (transitions.test.ts). */
export type OnceMove = TransitionName | DeployTransitionName;

/** Applies a hand-back move to the record of its table. */
function moveOnce(ctx: StepContext, id: string, name: OnceMove, change: MoveChange<never>) {
  return name in deployTransitions
    ? ctx.store.deployments.transition(id, name as DeployTransitionName, change)
    : ctx.store.transition(id, name as TransitionName, change);
}

/** How "CAS did not take it" is tried again: counted in the job, with back-off, capped at `maxSubmitRetries`. */
export interface NotExecuted {
  counter: 'submitRetries' | 'applyRetries' | 'deployRetries';
  /** The hand-back move: back to the state before the claim (also when the claim was not durable). */
  move: OnceMove;
  /** What the move, the thread and a person are told about the error. */
  reason(err: unknown): string;
  /** The thread's event of a hand-back, with when the next try is; none: the move tells nobody. */
  event?(reason: string, at: number): ThreadEvent;
  /** Past the cap: what ends the request (a person decides). */
  gaveUp(tries: number, reason: string, err: unknown): Promise<Step>;
}

/**
 * One call CAS must act on at most once (a paid renewal, an application, a deployment job), as its user supplies
 * it: the claim, the call, its moves and its messages. {@link onceOnly} runs it; {@link reconcileOnce} settles an
 * unknown outcome.
 */
export interface OnceOnly<T, W = TransitionResult> {
  /** The CAS action, for the log. */
  action: string;
  /** What the log says of the call besides the record's ID. */
  logFields: Record<string, unknown>;
  /** The claim: a `durable` row's move (its fields, its lease), written before anything is sent. */
  claim(): Promise<TransitionResult | DeployMoveResult>;
  /** Idempotent calls the once-only one needs, after the claim: a step to end the run with, or none to go on. */
  before?(): Promise<Step | undefined>;
  /** The call itself: made only after a claim that Redis confirmed, still this run's. */
  call(): Promise<T>;
  /** The write of the result CAS gave; retried (see {@link persistKnownResult}), never guessed back later. */
  record(result: T): Promise<W>;
  /** What follows the written result. */
  afterwards(written: W, result: T): Promise<Step>;
  /** CAS refused it (its own error code): asking again gets the same answer. */
  refused(err: CasApiError): Promise<Step>;
  /** Nothing happened (CAS did not take it, or the claim was not durable): handed back, tried again, bounded. */
  notExecuted: NotExecuted;
  /** The outcome is unknown (it may have happened): the move that says so, if any; then a reconcile looks. */
  unknown: { move?: OnceMove; event?(err: unknown): ThreadEvent; log: string };
  /** No usable credentials (nothing was sent); without this, treated as an unknown outcome. */
  noCredentials?(err: AppError): Promise<Step>;
}

/**
 * The exactly-once skeleton: the claim on disk first, then the call, then the outcome classified (done, not
 * executed, refused, unknown). Nothing is sent unless the claim is this run's and durable.
 */
export async function onceOnly<T, W = TransitionResult>(
  ctx: StepContext,
  record: OnceRecord,
  data: RenewalJobData,
  once: OnceOnly<T, W>,
): Promise<Step> {
  const failed = await claimFirst(ctx, record, once);
  if (failed) return failed;
  const prepared = await once.before?.();
  if (prepared) return prepared;
  ctx.logger.info({ recordId: record.id, ...once.logFields }, `calling ${once.action}`);
  let result: T;
  try {
    result = await once.call();
  } catch (err) {
    return callFailed(ctx, record, data, once, err);
  }
  // CAS answered: the result is known. It must reach Redis, or a later run would have to guess it back.
  const written = await persistKnownResult(ctx, () => once.record(result));
  return once.afterwards(written, result);
}

/** The claim, or the step to take instead of the call when it failed: undefined once the call may be sent. */
async function claimFirst<T, W>(
  ctx: StepContext,
  record: OnceRecord,
  once: OnceOnly<T, W>,
): Promise<Step | undefined> {
  let claimed: TransitionResult | DeployMoveResult;
  try {
    claimed = await once.claim();
  } catch (err) {
    // The fence found the claim another run's (same record, its own token): nothing is sent, the record decides.
    if (isAppError(err) && err.code === 'CLAIM_LOST') return { kind: 'again' };
    if (!isAppError(err) || err.code !== 'REDIS_NOT_DURABLE') throw err;
    // The claim may not survive a Redis crash, so nothing is sent: hand it back, and try again later.
    await moveOnce(ctx, record.id, once.notExecuted.move, { actor: 'worker', detail: err.message });
    ctx.logger.warn({ recordId: record.id }, `claim not durable; ${once.action} not sent`);
    return { kind: 'later', ms: ctx.timings.submitRetryBaseMs };
  }
  if (!claimed.ok && claimed.reason === 'lease_held') {
    // Another request's paid call of this scope is unresolved: wait for it, never guess around it.
    ctx.logger.info(
      { recordId: record.id, holder: claimed.ownerId },
      'another renewal is unresolved; waiting',
    );
    return { kind: 'later', ms: Math.min(1_000, ctx.timings.submitRetryBaseMs) };
  }
  // The record moved on (another run, a person): nothing is sent, the next step reads it again.
  return claimed.ok ? undefined : { kind: 'again' };
}

/** The call failed: decide from what the failure proves (refused, nothing happened, or unknown). */
async function callFailed<T, W>(
  ctx: StepContext,
  record: OnceRecord,
  data: RenewalJobData,
  once: OnceOnly<T, W>,
  err: unknown,
): Promise<Step> {
  if (isCasRefusal(err)) return once.refused(err);
  if (isAppError(err) && (err.code === 'CREDENTIALS_MISSING' || err.code === 'CREDENTIALS_INVALID')) {
    if (once.noCredentials) return once.noCredentials(err);
  }
  if (casOutcome(err) === 'not_executed') return retryNotExecuted(ctx, record, data, once.notExecuted, err);
  // Timeout, reset, 5xx, or anything unexpected after the call may have left: it may have happened.
  const { move, event, log } = once.unknown;
  if (move) {
    await moveOnce(ctx, record.id, move, {
      actor: 'worker',
      detail: isAppError(err) ? err.message : 'unexpected error',
      ...(event ? { notify: [tell(event(err))] } : {}),
    });
  }
  ctx.logger.warn({ recordId: record.id, ...once.logFields }, log);
  return { kind: 'later', ms: ctx.timings.casTimeoutMs + ctx.timings.reconcileSettleMs };
}

/**
 * Nothing happened: back to the state before the claim, and try again after a back-off (at least what CAS asked
 * for), up to `maxSubmitRetries` tries; past that a person decides.
 */
export async function retryNotExecuted(
  ctx: StepContext,
  record: OnceRecord,
  data: RenewalJobData,
  spec: NotExecuted,
  err: unknown,
): Promise<Step> {
  const { timings } = ctx;
  const tries = (data[spec.counter] ?? 0) + 1;
  data[spec.counter] = tries;
  const reason = spec.reason(err);
  if (tries > timings.maxSubmitRetries) return spec.gaveUp(tries, reason, err);
  const backOff = Math.min(300_000, timings.submitRetryBaseMs * 2 ** (tries - 1));
  const delay = Math.max(retryAfterMs(err) ?? 0, backOff);
  await moveOnce(ctx, record.id, spec.move, {
    actor: 'worker',
    detail: reason,
    ...(spec.event ? { notify: [tell(spec.event(reason, ctx.now() + delay))] } : {}),
  });
  return { kind: 'later', ms: delay };
}

/**
 * Retries a write of a result CAS already gave (Redis restarting, a failover) with back-off for up to
 * `timings.persistResultMs`, instead of treating the call as ambiguous. Throws only past that.
 */
async function persistKnownResult<T>(ctx: StepContext, write: () => Promise<T>): Promise<T> {
  const deadline = ctx.now() + ctx.timings.persistResultMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (ctx.now() >= deadline) throw err;
      ctx.logger.warn(
        { attempt, err: { message: (err as Error).message } },
        'could not record the renewal result yet; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
    }
  }
}

/**
 * After a claim whose outcome is unknown (a crash, a lost answer): nothing is looked at until the call is
 * certainly over (it has a timeout; CAS's lists settle), then `look` asks CAS what happened. Never calls again.
 */
export async function reconcileOnce(
  ctx: StepContext,
  record: OnceRecord,
  claimedAt: number | undefined,
  look: () => Promise<Step>,
): Promise<Step> {
  const { now, timings } = ctx;
  const settledAt =
    (claimedAt ?? record.updatedAt ?? now()) + timings.casTimeoutMs + timings.reconcileSettleMs;
  if (now() < settledAt) return { kind: 'later', ms: settledAt - now() };
  return look();
}
