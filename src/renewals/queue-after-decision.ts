import { isAppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { scrubText } from '../logging.ts';
import type { QueuedLater } from './outcomes.ts';

/**
 * Queues the job of a decision that is already written (the record says `approved`). A failure here must not be
 * reported as "nothing was changed": the decision stands, and the worker's sweeper enqueues every request it owns
 * that has no job. So a failed enqueue is logged and returned as {@link QueuedLater}, never thrown.
 */
export async function queueAfterDecision(
  enqueue: () => Promise<void>,
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
