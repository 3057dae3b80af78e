import type { RenewalTimings } from '../../src/worker/step-context.ts';

/**
 * Step timings for tests that drive the worker's steps directly: no waits between polls or before reconciling
 * (the CAS client's own timeout still applies), few retries, so that every path ends within a few runs.
 */
export function stepTimings(overrides: Partial<RenewalTimings> = {}): RenewalTimings {
  return {
    pollMinMs: 0,
    pollMaxMs: 0,
    deadlineMs: 3_600_000,
    // The steps' view of the call timeout only delays reconciliation.
    casTimeoutMs: 0,
    reconcileSettleMs: 0,
    submitRetryBaseMs: 1,
    maxSubmitRetries: 2,
    maxReconciles: 1,
    maxUnknowns: 2,
    maxPollErrors: 2,
    persistResultMs: 1_000,
    maxRunFailures: 3,
    ...overrides,
  };
}
