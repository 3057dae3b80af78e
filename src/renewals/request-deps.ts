import type { ApproverDirectory } from '../approval/approvers.ts';
import type { ApprovalCountSettings, DecisionPolicy } from '../approval/decisions.ts';
import type { CasClient } from '../cas/client.ts';
import type { RenewableOrderIndex } from '../cas/renewable-orders.ts';
import type { AppQueues } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import type { ApplicationPlanner } from './application.ts';
import type { DueRunner } from './due-runner.ts';
import type { RenewalRecord } from './record.ts';
import type { RequestExpiry } from './request-expiry.ts';
import type { RenewalStore } from './store.ts';

/** Delivers a request's outbox now (the Slack layer's deliverer); the sweeper retries what is left. */
export type DeliverNow = (
  recordId: string,
  known?: RenewalRecord,
  options?: { leaveWorkerItems?: boolean },
) => Promise<{ done: boolean; reason?: string }>;

/**
 * Delivers a request's outbox right after a person acted (their click shows its effect at once); whatever does
 * not go out now, the sweeper delivers later. Never throws.
 */
export async function deliverSoon(
  deliver: DeliverNow,
  logger: Logger,
  recordId: string,
  /** The record as the person's change left it (rendered from, when nothing newer is queued). */
  known?: RenewalRecord,
): Promise<void> {
  // What the worker queued meanwhile, the worker delivers after its run: the person's part goes out now.
  const result = await deliver(recordId, known, { leaveWorkerItems: true }).catch((err: unknown) => ({
    done: false,
    reason: String(err),
  }));
  if (!result.done) logger.warn({ recordId, reason: result.reason }, 'thread message left for the sweeper');
}

/** Dependencies of {@link createRequestService}. */
export interface RequestServiceDeps {
  store: RenewalStore;
  cas: CasClient;
  renewableOrders: RenewableOrderIndex;
  approvers: ApproverDirectory;
  /** Who may make each decision (money, rotation, deployment). */
  decisions: DecisionPolicy;
  /** How many distinct approvers a money decision needs (read per request: approval/decisions.ts). */
  approvalCount: ApprovalCountSettings;
  queues: Pick<AppQueues, 'renewals'>;
  /**
   * What comes due for undecided requests (their expiry and reminders, request-due.ts): scheduled when a request is
   * made, cancelled on decision.
   */
  due: Pick<DueRunner, 'schedule' | 'cancel'>;
  /** Expires undecided requests past their TTL. */
  expiry: RequestExpiry;
  /** Delivers a request's outbox (thread messages) now. */
  deliver: DeliverNow;
  logger: Logger;
  now: () => number;
  /** How long a request waits for a decision, milliseconds. */
  requestTtlMs: number;
  allowSelfApproval: boolean;
  /** What a new request will apply with (shown on its card). */
  applications: ApplicationPlanner;
  /**
   * Runs CAS work about a request in its account's session (`certbot-<requestId>`, read-only); unset: the one
   * account (accounts/account-cas.ts).
   */
  actAs?:
    | (<T>(
        account: string | undefined,
        requestId: string,
        purpose: 'read',
        work: () => Promise<T>,
      ) => Promise<T>)
    | undefined;
}
