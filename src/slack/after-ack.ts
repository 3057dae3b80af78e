import { isAppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { scrubText } from '../logging.ts';

/**
 * Runs the slow part of Slack listeners (CAS look-ups, Redis, posting) after the ack, at most `concurrency` at
 * a time. Under a burst, unbounded post-ack work fills the event loop and delays the *next* requests' acks;
 * capped, acks keep going out at once and the work drains behind them (measured with `npm run bench`).
 */
export function createAfterAckQueue(concurrency: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    running -= 1;
    waiting.shift()?.();
  };
  return async function afterAck<T>(work: () => Promise<T>): Promise<T> {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await work();
    } finally {
      release();
    }
  };
}

/** Runs work after the ack. */
export type AfterAck = ReturnType<typeof createAfterAckQueue>;

/** Apology for a failure on the bot's side: nothing was changed, and the person may try again. */
export const somethingWentWrong =
  ':warning: Something went wrong on my side; nothing was changed. Try again in a minute.';

/**
 * Runs a listener's work after its ack, bounded by `afterAck`; if it fails, logs it (the error's message and code,
 * never the payload) and tells the person privately, so that no click or command is left unanswered.
 */
export function createGuard(deps: { afterAck: AfterAck; logger: Logger }) {
  return async function guarded(
    what: string,
    reply: (text: string) => Promise<unknown>,
    work: () => Promise<void>,
    /** `false` for work that must start at once (opening a modal: a trigger_id lasts ~3 s). */
    queued = true,
  ): Promise<void> {
    try {
      await (queued ? deps.afterAck(work) : work());
    } catch (err) {
      deps.logger.error(
        {
          err: {
            message: scrubText((err as Error).message ?? String(err)),
            code: isAppError(err) ? err.code : undefined,
          },
          what,
        },
        'Slack listener failed after its ack',
      );
      await reply(somethingWentWrong).catch(() => undefined);
    }
  };
}

/** Runs a listener's work after its ack, answering the person if it fails. */
export type Guarded = ReturnType<typeof createGuard>;
