import type { Logger } from '../logger.ts';
import type { DueEntry, DueKind, DueSchedule } from './request-due.ts';

/** How many entries one wake-up reads (more due than this: it wakes again at once). */
const batch = 50;
/** setTimeout's longest delay; a later entry is looked at again by then. */
const maxTimerMs = 2_147_483_647;

/** Dependencies of {@link createDueRunner}. */
export interface DueRunnerDeps {
  schedule: DueSchedule;
  /**
   * What each kind does once due; each must be safe to run twice (two processes may both run an entry). A kind
   * without a handler here is left for a process that has one (the worker's sweeper expires; the app reminds).
   */
  handlers: Partial<Record<DueKind, (recordId: string) => Promise<void>>>;
  logger: Logger;
  now: () => number;
  /**
   * The longest this process sleeps without reading the schedule, milliseconds: entries another process added are
   * seen within it (the adding process's own timer runs them on time).
   */
  pollMs: number;
  /** After a handler failed, its entry is tried again no sooner than this, milliseconds. @defaultValue 5000 */
  retryMs?: number;
}

/**
 * Runs due entries in this process: a timer wakes at the earliest entry this process knows of (read from Redis at
 * each wake-up, and lowered by its own `schedule`), so a request expires on time without a job per request; one
 * ZRANGE per wake-up. Handlers run at least once: an entry is removed only after its handler returned.
 */
export function createDueRunner(deps: DueRunnerDeps) {
  const { schedule, logger, now } = deps;
  const retryMs = deps.retryMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  let armedAt = Number.POSITIVE_INFINITY;
  let running: Promise<number> | undefined;
  let stopped = true;

  function arm(at: number): void {
    if (stopped || at >= armedAt) return;
    clearTimeout(timer);
    armedAt = at;
    timer = setTimeout(wake, Math.min(Math.max(0, at - now()), maxTimerMs));
    timer.unref();
  }

  function wake(): void {
    armedAt = Number.POSITIVE_INFINITY;
    void run().catch((err: unknown) => {
      logger.warn({ err: { message: (err as Error).message } }, 'due schedule not read; retried');
      arm(now() + retryMs);
    });
  }

  /** Runs one entry; false if its handler failed (the entry stays for a later wake-up). */
  async function handle(entry: DueEntry): Promise<boolean> {
    try {
      await deps.handlers[entry.kind]?.(entry.recordId);
      await schedule.done(entry);
      return true;
    } catch (err) {
      logger.warn(
        { recordId: entry.recordId, kind: entry.kind, err: { message: (err as Error).message } },
        'due entry failed; retried',
      );
      return false;
    }
  }

  /**
   * Runs every entry due now; returns how many ran, and arms the timer for the next. Due entries it leaves in place
   * (a kind another process runs, or a handler that failed) are read past, so however many of them head the
   * schedule, the entries behind them still run.
   */
  async function runDue(): Promise<number> {
    let ran = 0;
    let left = 0;
    let failed = false;
    for (;;) {
      const at = now();
      const read = await schedule.earliest(batch, left);
      const entries = read.filter((e) => deps.handlers[e.kind] !== undefined);
      left += read.filter((e) => e.at <= at && deps.handlers[e.kind] === undefined).length;
      for (const entry of entries.filter((e) => e.at <= at))
        if (await handle(entry)) ran += 1;
        else {
          failed = true;
          left += 1;
        }
      const next = entries.find((e) => e.at > at)?.at ?? Number.POSITIVE_INFINITY;
      if (read.length === batch && read.every((e) => e.at <= at)) continue;
      arm(Math.min(next, at + deps.pollMs, failed ? at + retryMs : Number.POSITIVE_INFINITY));
      return ran;
    }
  }

  /** Runs what is due now (one run at a time in this process). */
  function run(): Promise<number> {
    running ??= runDue().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    run,
    /** Adds entries and wakes this process at the earliest of them. */
    async schedule(entries: readonly DueEntry[]): Promise<void> {
      await schedule.schedule(entries);
      for (const e of entries) arm(e.at);
    },
    cancel: (recordId: string) => schedule.cancel(recordId),
    /** Starts waking: reads the schedule now. */
    start(): void {
      stopped = false;
      arm(now());
    },
    stop(): void {
      stopped = true;
      clearTimeout(timer);
      armedAt = Number.POSITIVE_INFINITY;
    },
  };
}

/** A process's runner of the due schedule. */
export type DueRunner = ReturnType<typeof createDueRunner>;
