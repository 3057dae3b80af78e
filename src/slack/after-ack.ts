import { isAppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { scrubText } from '../logging.ts';

/** When queued work may start: acks first, but none waits for ever. */
export interface AfterAckTiming {
  /** Work starts once no new work has been queued for this long (a burst of commands is acked first). */
  quietMs: number;
  /** ...or once the oldest waiting work has waited this long, however busy the app is. */
  maxDelayMs: number;
}

export const defaultAfterAckTiming: AfterAckTiming = { quietMs: 20, maxDelayMs: 1_000 };

/** How long the oldest waiting work must still wait (0: start it now). */
export function afterAckWait(
  at: { now: number; lastQueued: number; oldestQueued: number },
  timing: AfterAckTiming,
): number {
  const quiet = timing.quietMs - (at.now - at.lastQueued);
  const overdue = timing.maxDelayMs - (at.now - at.oldestQueued);
  return Math.max(0, Math.min(quiet, overdue));
}

/**
 * Runs the slow part of Slack listeners (CAS look-ups, Redis, posting) after the ack, at most `concurrency` at a
 * time, and only once the acks have gone out: work waits while more keeps being queued (a burst of commands), up
 * to `maxDelayMs`. Slack gives an ack 3 seconds and a card none; work that ran between a burst's requests delayed
 * their acks (the ack's p99 rose by a third in `npm run bench`; the same app without post-ack work acked faster
 * than a bare Bolt app).
 */
export function createAfterAckQueue(
  concurrency: number,
  timing: AfterAckTiming = defaultAfterAckTiming,
  now: () => number = performance.now.bind(performance),
) {
  let running = 0;
  let lastQueued = Number.NEGATIVE_INFINITY;
  const waiting: Array<{ queued: number; start: () => void }> = [];
  let timer: NodeJS.Timeout | undefined;
  /** Set by `drain`: waiting work starts at once (no new acks are coming), and `drained` hears when none is left. */
  let draining: { drained: () => void } | undefined;
  const pump = () => {
    clearTimeout(timer);
    timer = undefined;
    if (draining && running === 0 && waiting.length === 0) draining.drained();
    while (running < concurrency && waiting.length > 0) {
      const head = waiting[0] as (typeof waiting)[number];
      const wait = draining ? 0 : afterAckWait({ now: now(), lastQueued, oldestQueued: head.queued }, timing);
      if (wait > 0) {
        timer = setTimeout(pump, wait);
        return;
      }
      waiting.shift();
      running += 1;
      head.start();
    }
  };
  async function afterAck<T>(work: () => Promise<T>): Promise<T> {
    lastQueued = now();
    await new Promise<void>((start) => {
      waiting.push({ queued: lastQueued, start });
      pump();
    });
    try {
      return await work();
    } finally {
      running -= 1;
      pump();
    }
  }
  /**
   * On shutdown, once no request can arrive: starts all waiting work at once and resolves when none is left, so that
   * a command acked just before the stop still gets its card (the caller bounds the wait).
   */
  function drain(): Promise<void> {
    return new Promise<void>((resolve) => {
      draining = { drained: resolve };
      pump();
    });
  }
  return Object.assign(afterAck, { drain });
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
