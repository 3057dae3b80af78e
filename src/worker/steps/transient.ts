import { isAppError } from '../../errors.ts';
import { scrubText } from '../../logging.ts';
import type { RenewalJobData, StepContext } from '../step-context.ts';

/** A readable, secret-free line for an error that is not CAS's refusal (for the log and a person). */
export function transientMessage(err: unknown): string {
  if (isAppError(err)) return scrubText(err.message);
  return `unexpected error: ${scrubText(err instanceof Error ? err.message : String(err))}`;
}

/**
 * After a transient error (not a refusal by CAS: see `isCasRefusal`): when to try again, with exponential back-off
 * from the reconcile settle time, capped at the largest poll delay; undefined once `maxPollErrors` errors in a row
 * were spent (the caller then hands the request to a person, saying what failed).
 */
export function retryTransient(
  ctx: StepContext,
  data: RenewalJobData,
  recordId: string,
  err: unknown,
): { kind: 'later'; ms: number } | undefined {
  const errors = (data.pollErrors ?? 0) + 1;
  data.pollErrors = errors;
  const { timings } = ctx;
  if (errors > timings.maxPollErrors) return undefined;
  const base = Math.max(timings.reconcileSettleMs, 1);
  const ms = Math.min(Math.max(timings.pollMaxMs, base), base * 2 ** (errors - 1));
  ctx.logger.warn(
    { recordId, err: { message: transientMessage(err) }, errors, retryInMs: ms },
    'transient error; trying again later',
  );
  return { kind: 'later', ms };
}
