import type { Queue } from 'bullmq';
import { isAppError } from '../errors.ts';
import { enqueueRenewal, type RecordJobData, requeueRenewal } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import { scrubText } from '../logging.ts';
import type { QueuedLater } from './outcomes.ts';
import type { RenewalStore, TransitionResult } from './store.ts';
import { applying, type Schedule, type TransitionName } from './transitions.ts';

/** How each value of the table's `schedule` column is enqueued (jobs/queues.ts). */
const enqueue: Record<Schedule, (queue: Queue<RecordJobData>, recordId: string) => Promise<unknown>> = {
  renewal: enqueueRenewal,
  renewal_again: requeueRenewal,
};

/** A move's result, and whether what it scheduled was queued only for later (by the sweeper). */
export type ScheduledMoveResult = TransitionResult & { queued?: QueuedLater };

/**
 * Makes a person's moves: applies the named row (store.transition), then, only if it moved, enqueues what the
 * row's `schedule` column says — the one place a move's job is queued. Once the move is written it stands: a
 * failed enqueue must not be reported as "nothing was changed" (the worker's sweeper enqueues every request it
 * owns that has no job), so it is logged and returned as {@link QueuedLater}, never thrown.
 */
export function createScheduledMoves(deps: {
  store: RenewalStore;
  renewals: Queue<RecordJobData>;
  logger: Logger;
}) {
  return async function move(
    id: string,
    name: TransitionName,
    change: Parameters<RenewalStore['transition']>[2],
  ): Promise<ScheduledMoveResult> {
    const result = await deps.store.transition(id, name, change);
    const schedule = applying(name).schedule;
    if (!result.ok || !schedule) return result;
    const queued = await enqueueAfterMove(() => enqueue[schedule](deps.renewals, id), deps.logger, id);
    return queued ? { ...result, queued } : result;
  };
}

/** Makes a person's moves and runs what they schedule. */
export type ScheduledMove = ReturnType<typeof createScheduledMoves>;

/**
 * Enqueues the job of a move that is already written. A failure must not be reported as "nothing was changed":
 * the move stands, and the worker's sweeper enqueues every record it owns that has no job; so it is logged and
 * returned as {@link QueuedLater}, never thrown.
 */
export async function enqueueAfterMove(
  enqueue: () => Promise<unknown>,
  logger: Logger,
  recordId: string,
): Promise<QueuedLater | undefined> {
  try {
    await enqueue();
    return undefined;
  } catch (err) {
    logger.warn(
      {
        recordId,
        err: {
          message: scrubText(err instanceof Error ? err.message : String(err)),
          code: isAppError(err) ? err.code : undefined,
        },
      },
      'decision recorded but its job could not be queued; the sweeper will enqueue it',
    );
    return { code: 'queued_later' };
  }
}
