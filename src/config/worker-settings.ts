import { type EnvOf, numberIn } from './fields.ts';

/** How often the status of a submitted renewal is polled, and for how long. */
export const pollEnvShape = {
  CERT_POLL_MIN_SECONDS: numberIn(30, 0, 86_400, false),
  CERT_POLL_MAX_SECONDS: numberIn(900, 0, 86_400, false),
  CERT_POLL_DEADLINE_HOURS: numberIn(168, 0.001, 24 * 90, false),
};

/** The worker's timings and limits. */
export const workerEnvShape = {
  CERT_WORKER_CONCURRENCY: numberIn(4, 1, 100, true),
  CERT_JOB_LOCK_SECONDS: numberIn(60, 1, 3600, false),
  CERT_STALLED_INTERVAL_SECONDS: numberIn(30, 0.1, 3600, false),
  // Not 0: CAS's order list may lag behind a renewal, and every reconcile check would then run at once.
  CERT_RECONCILE_SETTLE_SECONDS: numberIn(30, 0.1, 3600, false),
  CERT_CAS_QPS: numberIn(5, 0.1, 100, false),
  CERT_SWEEP_INTERVAL_SECONDS: numberIn(300, 0.1, 86_400, false),
  CERT_MAX_JOB_FAILURES: numberIn(10, 1, 1000, true),
};

/** The `poll` section of the configuration. */
export function pollSection(env: EnvOf<typeof pollEnvShape>) {
  return {
    /** First delay between status polls, seconds. @defaultValue 30 */
    minSeconds: env.CERT_POLL_MIN_SECONDS,
    /** Largest delay between status polls, seconds. @defaultValue 900 */
    maxSeconds: env.CERT_POLL_MAX_SECONDS,
    /** A renewal without a final state this long after submission is reported stalled, hours. @defaultValue 168 */
    deadlineHours: env.CERT_POLL_DEADLINE_HOURS,
  };
}

/** The `worker` section of the configuration. */
export function workerSection(env: EnvOf<typeof workerEnvShape>) {
  return {
    /** Renewal jobs one worker process runs at once. @defaultValue 4 */
    concurrency: env.CERT_WORKER_CONCURRENCY,
    /** BullMQ job lock, seconds; keep it well above CAS_TIMEOUT_SECONDS. @defaultValue 60 */
    lockSeconds: env.CERT_JOB_LOCK_SECONDS,
    /** How often stalled jobs (a worker died) are looked for, seconds. @defaultValue 30 */
    stalledIntervalSeconds: env.CERT_STALLED_INTERVAL_SECONDS,
    /** Extra wait before asking CAS whether an unconfirmed renewal happened, seconds. @defaultValue 30 */
    reconcileSettleSeconds: env.CERT_RECONCILE_SETTLE_SECONDS,
    /** Renewal-queue jobs per second across all workers (each makes about one CAS call). @defaultValue 5 */
    casQps: env.CERT_CAS_QPS,
    /** How often requests whose renewal job was lost are looked for, seconds. @defaultValue 300 */
    sweepIntervalSeconds: env.CERT_SWEEP_INTERVAL_SECONDS,
    /**
     * Worker runs of one request in a row that may end in an unexpected error before it goes to needs
     * attention with the last error. @defaultValue 10
     */
    maxFailures: env.CERT_MAX_JOB_FAILURES,
  };
}
