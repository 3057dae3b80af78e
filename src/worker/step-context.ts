import type { CasClient } from '../cas/client.ts';
import type { DeploySettings } from '../config/deploy-settings.ts';
import type { RecordJobData } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import type { TlsResult } from '../renewals/deployment.ts';
import { type RenewalRecord, rotationFlag } from '../renewals/record.ts';
import type { Deliver, Notice, RenewalStore } from '../renewals/store.ts';
import type { AttentionReason, ThreadEvent } from '../renewals/thread-events.ts';
import { createSingleFlightCache } from '../single-flight-cache.ts';

/** Step counters kept in the job (IDs and counters only: nothing secret). */
export interface RenewalJobData extends RecordJobData {
  polls?: number;
  unknowns?: number;
  pollErrors?: number;
  submitRetries?: number;
  reconciles?: number;
  instanceLookups?: number;
  /** A rotation's application task ended `success` (GetTaskAttribute is not asked again). */
  taskSucceeded?: boolean;
  applyRetries?: number;
  deployRetries?: number;
  deployPolls?: number;
  /** The record version whose rollback request this job already sent to CAS (one send per person's click). */
  rollbackVersion?: number;
  tlsAttempts?: number;
}

/** Timings of the renewal steps, milliseconds. */
export interface RenewalTimings {
  /** First delay between status polls (`CERT_POLL_MIN_SECONDS`). */
  pollMinMs: number;
  /** Largest delay between status polls (`CERT_POLL_MAX_SECONDS`). */
  pollMaxMs: number;
  /** After this long without a final state, the renewal is reported as stalled. @defaultValue 7 days */
  deadlineMs: number;
  /** Whole-call timeout of a CAS request: an unanswered renew call is over after this. */
  casTimeoutMs: number;
  /** Extra wait before asking CAS whether an unconfirmed renewal happened (list consistency). */
  reconcileSettleMs: number;
  /** First retry delay when CAS did not take the renewal (throttling, not sent). */
  submitRetryBaseMs: number;
  maxSubmitRetries: number;
  maxReconciles: number;
  maxUnknowns: number;
  maxPollErrors: number;
  /** How long a result CAS already gave is retried into Redis before the run gives up on it. @defaultValue 10 min */
  persistResultMs: number;
  /** Runs in a row that may end in an unexpected error before the request needs attention (`CERT_MAX_JOB_FAILURES`). */
  maxRunFailures: number;
}

/** Dependencies of {@link createRenewalProcessor}. */
export interface RenewalProcessorDeps {
  store: RenewalStore;
  cas: CasClient;
  deliver: Deliver;
  logger: Logger;
  now: () => number;
  timings: RenewalTimings;
  /** How renewed certificates are installed; undefined: no deployment step (CERT_DEPLOY=off). */
  deploy?: DeploySettings | undefined;
  /** Called with what a final TLS check saw, endpoint by endpoint (metrics). */
  onTlsChecked?: ((results: readonly TlsResult[]) => void) | undefined;
  /**
   * Runs a step in the session of the request's account (`certbot-<requestId>`; accounts/account-cas.ts), so that
   * every CAS call of the step acts there; unset: the one account, no sessions.
   */
  actAs?:
    | (<T>(
        account: string | undefined,
        requestId: string,
        purpose: 'renew' | 'deploy',
        work: () => Promise<T>,
      ) => Promise<T>)
    | undefined;
  /** The account the current step acts in (caches of CAS listings are kept per account). */
  currentAccount?: (() => string | undefined) | undefined;
}

/** What a step decided: finished, run the next step now, or run again after `ms`. */
export type Step = { kind: 'done' } | { kind: 'again' } | { kind: 'later'; ms: number };

/** A worker step: what it does with a record (a request's or a deployment's) in one run. */
export type StepRun<R> = (
  ctx: StepContext,
  record: R,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
) => Promise<Step>;

/** Queues an event for the request's thread. */
export const tell = (event: ThreadEvent): Notice => ({ kind: 'event', event });

/** What every step uses: the dependencies, the poll back-off, and the way to hand a request to a person. */
export interface StepContext extends Omit<RenewalProcessorDeps, 'deliver'> {
  pollDelay(polls: number): number;
  /**
   * The account's plan orders pending application (ID and listed domain), listed at most once per few seconds
   * for all renewals of this process: a burst of renewals must not page through a list that grows with it.
   * `fresh`: not from the cache (the claim found the cached one stale).
   */
  pendingOrders(fresh?: boolean): Promise<PendingListing>;
  needsAttention(
    record: RenewalRecord,
    reason: AttentionReason,
    fields?: Partial<RenewalRecord>,
  ): Promise<Step>;
  /**
   * The record as the last state change of this process read it back (every transition returns the record
   * read right after it), taken once: the next step of the same run starts from it instead of reading it again.
   */
  takeLatest(recordId: string): RenewalRecord | undefined;
}

/** The account's plan orders pending application, and the renew lease's epoch read before they were listed. */
export interface PendingListing {
  orders: Array<{ orderId: string; domain: string | undefined }>;
  epoch: number;
}

/** Builds the context the steps share. */
export function createStepContext(deps: RenewalProcessorDeps): StepContext {
  const { logger, timings } = deps;
  // The steps change records only through transitions: each one's read-back is kept for the next step.
  const latest = new Map<string, RenewalRecord>();
  const store: RenewalStore = {
    ...deps.store,
    async transition(id, name, change) {
      latest.delete(id);
      const result = await deps.store.transition(id, name, change);
      if ('record' in result) latest.set(id, result.record);
      return result;
    },
  };
  const takeLatest = (recordId: string) => {
    const record = latest.get(recordId);
    latest.delete(recordId);
    return record;
  };
  const pollDelay = (polls: number) => Math.min(timings.pollMaxMs, timings.pollMinMs * 2 ** polls);
  async function needsAttention(
    record: RenewalRecord,
    reason: AttentionReason,
    fields: Partial<RenewalRecord> = {},
  ): Promise<Step> {
    const result = await store.transition(record.id, 'needs_attention', {
      actor: 'worker',
      detail: reason.code,
      fields: { attention: reason, ...fields },
      notify: [
        tell({
          type: 'needs_attention',
          reason,
          ...rotationFlag(record),
        }),
      ],
    });
    logger.warn(
      { recordId: record.id, orderId: record.orderId, reason: reason.code },
      'renewal needs attention',
    );
    return result.ok ? { kind: 'done' } : { kind: 'again' };
  }

  const pending = createSingleFlightCache(
    async (): Promise<PendingListing> => {
      // Read first: a holder that gives up during the listing makes it stale for the claim (renew-lease.ts).
      const epoch = await store.leases.epoch();
      const orders: PendingListing['orders'] = [];
      for await (const o of deps.cas.listAllUserCertificateOrders({ orderType: 'CPACK', status: 'PAYED' }))
        if (o.OrderId) orders.push({ orderId: o.OrderId, domain: o.Domain });
      return { orders, epoch };
    },
    { ttlMs: 5_000, now: deps.now },
  );
  const pendingOrders = (fresh = false) => {
    if (fresh) pending.clear();
    return pending.get(`payed:${deps.currentAccount?.() ?? ''}`);
  };
  return { ...deps, store, pollDelay, needsAttention, pendingOrders, takeLatest };
}
