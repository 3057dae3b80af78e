import { DelayedError, type Job } from 'bullmq';
import {
  createStepContext,
  type RenewalJobData,
  type RenewalProcessorDeps,
  type Step,
} from './step-context.ts';
import { pollStep } from './steps/poll.ts';
import { reconcileStep } from './steps/reconcile.ts';
import { submitStep } from './steps/submit.ts';

export type { RenewalJobData, RenewalProcessorDeps, RenewalTimings } from './step-context.ts';

/**
 * The renewal job: one per approved request, run as steps (submit, reconcile, poll) that save their counters and
 * move the job to delayed between polls, so waits of days hold no worker. The record decides each step; the paid
 * call is made only from `approved`, after the record moved to `submitting` — a run that finds `submitting` asks
 * CAS what happened and never calls renew again.
 */
export function createRenewalProcessor(deps: RenewalProcessorDeps) {
  const ctx = createStepContext(deps);
  const { store, now } = deps;

  async function step(
    recordId: string,
    data: RenewalJobData,
    signal: AbortSignal | undefined,
  ): Promise<Step> {
    const record = await store.get(recordId);
    if (!record) return { kind: 'done' };
    switch (record.state) {
      case 'approved':
        return submitStep(ctx, record, data, signal);
      case 'submitting':
        return reconcileStep(ctx, record, data);
      case 'submitted':
      case 'validating':
      case 'reviewing':
        return pollStep(ctx, record, data, signal);
      default:
        return { kind: 'done' };
    }
  }

  return async function process(
    job: Job<RenewalJobData>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const data: RenewalJobData = { ...job.data };
    const recordId = data.recordId;
    let outcome: Step = { kind: 'again' };
    // A run may take several steps in a row (e.g. submitted, then the first poll after a zero delay).
    for (let i = 0; i < 10 && outcome.kind === 'again'; i++) outcome = await step(recordId, data, signal);
    const delivery = await deps.deliver(recordId);
    let delayMs: number | undefined =
      outcome.kind === 'later' ? outcome.ms : outcome.kind === 'again' ? 0 : undefined;
    if (!delivery.done) delayMs = Math.max(delayMs ?? 0, delivery.retryMs);
    if (delayMs === undefined) return (await store.get(recordId))?.state ?? 'missing';
    // Save the counters before moving to delayed: a crash in between then replays the *next* step, never an old one.
    await job.updateData(data);
    await job.moveToDelayed(now() + delayMs, token);
    throw new DelayedError();
  };
}
