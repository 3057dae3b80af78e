import type { WebClient } from '@slack/web-api';
import type { ApproverDirectory } from '../approval/approvers.ts';
import type { CasClient } from '../cas/client.ts';
import type { RenewableOrderIndex } from '../cas/renewable-orders.ts';
import type { AppQueues } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import type { Deliver } from '../worker/outbox-delivery.ts';
import type { RenewalRecord } from './record.ts';
import type { RenewalStore } from './store.ts';

/** Sends a private answer to the person who acted (a `respond()` bound to the interaction). */
export type Reply = (text: string) => Promise<unknown>;

/** Dependencies of {@link createRequestService}. */
export interface RequestServiceDeps {
  store: RenewalStore;
  cas: CasClient;
  renewableOrders: RenewableOrderIndex;
  approvers: ApproverDirectory;
  queues: Pick<AppQueues, 'renewals' | 'approvals'>;
  slack: WebClient;
  /** Delivers a request's outbox (thread messages) now. */
  deliver: Deliver;
  logger: Logger;
  now: () => number;
  /** How long a request waits for a decision, milliseconds. */
  requestTtlMs: number;
  allowSelfApproval: boolean;
}

/** Slack error code of a Web API failure, if it is one. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** Links to a card's thread (Slack resolves the workspace). */
export function threadLink(record: RenewalRecord): string {
  return record.messageTs
    ? `https://slack.com/archives/${record.channelId}/p${record.messageTs.replace('.', '')}`
    : `<#${record.channelId}>`;
}
