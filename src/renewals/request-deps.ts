import type { ApproverDirectory } from '../approval/approvers.ts';
import type { CasClient } from '../cas/client.ts';
import type { RenewableOrderIndex } from '../cas/renewable-orders.ts';
import type { AppQueues } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import type { RenewalStore } from './store.ts';

/** Delivers a request's outbox now (the Slack layer's deliverer); the sweeper retries what is left. */
export type DeliverNow = (recordId: string) => Promise<{ done: boolean; reason?: string }>;

/** Dependencies of {@link createRequestService}. */
export interface RequestServiceDeps {
  store: RenewalStore;
  cas: CasClient;
  renewableOrders: RenewableOrderIndex;
  approvers: ApproverDirectory;
  queues: Pick<AppQueues, 'renewals' | 'approvals'>;
  /** Delivers a request's outbox (thread messages) now. */
  deliver: DeliverNow;
  logger: Logger;
  now: () => number;
  /** How long a request waits for a decision, milliseconds. */
  requestTtlMs: number;
  allowSelfApproval: boolean;
}
