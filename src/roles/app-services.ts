import type { Redis } from 'ioredis';
import type { AccountCas } from '../accounts/account-cas.ts';
import { createAlertState } from '../alerts/alert-state.ts';
import { createApproverDirectory, createGroupMembers } from '../approval/approvers.ts';
import { type ApproverLists, createDecisionPolicy, type DecisionPolicy } from '../approval/decisions.ts';
import { createReaderPolicy } from '../approval/readers.ts';
import { createRenewableOrderIndex } from '../cas/renewable-orders.ts';
import type { Config } from '../config/config.ts';
import { type AppQueues, createQueues, logQueueErrors } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { createApplicationPlanner } from '../renewals/application.ts';
import { createDeployService } from '../renewals/deploy-service.ts';
import { createDueRunner, type DueRunner } from '../renewals/due-runner.ts';
import type { DeliverNow } from '../renewals/request-deps.ts';
import { createDueSchedule, type DueSchedule } from '../renewals/request-due.ts';
import { createRequestExpiry, type RequestExpiry } from '../renewals/request-expiry.ts';
import { createRequestReminders } from '../renewals/request-reminders.ts';
import { createRequestService } from '../renewals/request-service.ts';
import { createRenewalStore, type RenewalStore } from '../renewals/store.ts';
import type { SlackApp } from '../slack/create-slack-app.ts';
import { createPermalinks } from '../slack/permalinks.ts';
import { countOutcomes } from './observability.ts';
import { alertServiceOf, outboxDeliveryParts } from './role-parts.ts';

/** What the app role's services are built with. */
export interface AppContext {
  config: Config;
  logger: Logger;
  /** Every account's CAS client; a request's CAS work runs in its account's session. */
  accounts: AccountCas;
  now: () => number;
  metrics: Metrics;
  /** Commands fail fast instead of queueing while Redis is away: a Slack user gets an answer within seconds. */
  redis: Redis;
  slack: SlackApp;
  /** The queues from the composition root, when it built them. */
  queues: AppQueues | undefined;
  requestTtlMs: number;
  approverCacheMs: number | undefined;
}

/** The services behind the app role's listeners: requests, deployments, alerts, and who may approve or read. */
export function createAppServices(ctx: AppContext) {
  const { config, logger, accounts, now, redis, slack } = ctx;
  const { cas } = accounts;
  const prefix = config.redis.prefix;
  const store = createRenewalStore({ redis, prefix, now, onTransition: countOutcomes(ctx.metrics) });
  const queues = ctx.queues ?? createQueues(redis, prefix, logQueueErrors(logger, 'app'));
  const permalinks = createPermalinks(slack.client);
  const { alertPosts, deliver } = outboxDeliveryParts({
    store,
    redis,
    prefix,
    slack: slack.client,
    permalinks,
    logger,
    now,
  });
  const { approvers, readers, readerDirectory, decisions } = accessDirectories(ctx);
  const schedule = createDueSchedule({ redis, key: store.key.due() });
  const expiry = createRequestExpiry({ store, deliver, logger, now, due: schedule });
  const due = dueRunnerOf(ctx, { schedule, store, expiry, decisions, deliver });
  const serviceDeps = {
    store,
    cas,
    // Caches of CAS listings, one per account: an order is looked up in its channel's account only.
    renewableOrders: accounts.perAccount(() => createRenewableOrderIndex({ cas, now })),
    approvers,
    decisions,
    // The request's account's count, else CERT_APPROVALS_REQUIRED (approval/decisions.ts).
    approvalCount: {
      approvalsRequired: config.approval.approvalsRequired,
      accountApprovals: (account: string | undefined) =>
        accounts.directory.byName(account)?.approvalsRequired,
      accountRotationApprovals: (account: string | undefined) =>
        accounts.directory.byName(account)?.rotationApprovalsRequired,
    },
    queues,
    due,
    expiry,
    deliver,
    logger,
    now,
    requestTtlMs: ctx.requestTtlMs,
    allowSelfApproval: config.approval.allowSelfApproval,
    applications: accounts.perAccount(() =>
      createApplicationPlanner({ settings: config.application, listContacts: () => cas.listContacts(), now }),
    ),
    ...(accounts.directory.fromFile ? { actAs: accounts.actAs } : {}),
  };
  const service = createRequestService(serviceDeps);
  const alertState = createAlertState({ redis, prefix, now });
  const alerts = alertServiceOf({ ...ctx, state: alertState, store, slack: slack.client, alertPosts });
  return {
    store,
    queues,
    due,
    permalinks,
    deliver,
    service,
    deployService: createDeployService({ ...serviceDeps, requests: service }),
    alertState,
    alerts,
    approvers,
    decisions,
    readers,
    readerDirectory,
  };
}

/**
 * The app role's timer for what comes due (request-due.ts): the requests this process makes wake it on time,
 * others' are seen within a sweep interval (the process that made them wakes on time too).
 */
function dueRunnerOf(
  { config, logger, now }: AppContext,
  parts: {
    schedule: DueSchedule;
    store: RenewalStore;
    expiry: RequestExpiry;
    decisions: DecisionPolicy;
    deliver: DeliverNow;
  },
): DueRunner {
  const { schedule, expiry } = parts;
  // A reminder schedules the next one through this runner, so that this process wakes for it on time.
  const reminders = createRequestReminders({
    ...parts,
    logger,
    now,
    due: { schedule: (e) => runner.schedule(e) },
  });
  const runner = createDueRunner({
    schedule,
    handlers: { expire: expiry.expire, remind_half: reminders.remind, remind_last: reminders.remind },
    logger,
    now,
    pollMs: config.worker.sweepIntervalSeconds * 1000,
  });
  return runner;
}

/** The app role's services. */
export type AppServices = ReturnType<typeof createAppServices>;

/**
 * Who may approve (`CERT_APPROVERS`; `CERT_ROTATION_APPROVERS` the free decisions; an account's own lists for its
 * requests) and who may read (`CERT_READERS`, approvers always may). One group cache serves every list.
 */
function accessDirectories({ config, logger, now, redis, slack, approverCacheMs, accounts }: AppContext) {
  const groupMembers = createGroupMembers({
    listGroupMembers: async (usergroup: string) =>
      (await slack.client.usergroups.users.list({ usergroup })).users ?? [],
    logger,
    now,
    ...(approverCacheMs !== undefined ? { ttlMs: approverCacheMs } : {}),
    maxStaleMs: config.approval.approverMaxStaleMinutes * 60_000,
  });
  const directory = (list: readonly string[]) => createApproverDirectory({ approvers: list, groupMembers });
  const approvers = directory(config.approval.approvers);
  const rotation = config.approval.rotationApprovers;
  const decisions = createDecisionPolicy({
    approvers,
    rotationApprovers: rotation.length > 0 ? directory(rotation) : undefined,
    accountLists: accountApproverLists(accounts, directory),
  });
  const readerList = config.approval.readers;
  const readerDirectory = readerList.length > 0 ? directory(readerList) : undefined;
  const readers = createReaderPolicy({
    readers: readerDirectory,
    approvers,
    redis,
    prefix: config.redis.prefix,
    now,
  });
  return { approvers, readers, readerDirectory, decisions };
}

/** Each account's own approver lists (accounts file), by account name; what an account leaves out stays undefined. */
function accountApproverLists(
  accounts: AccountCas,
  directory: (list: readonly string[]) => ApproverLists['approvers'],
) {
  const lists = new Map<string, Partial<ApproverLists>>();
  for (const a of accounts.directory.accounts) {
    const own: Partial<ApproverLists> = {};
    if (a.approvers?.length) own.approvers = directory(a.approvers);
    if (a.rotationApprovers?.length) own.rotationApprovers = directory(a.rotationApprovers);
    lists.set(a.name, own);
  }
  // A record without an account is the default account's (account-directory.ts's byName).
  return (account: string | undefined) => {
    const found = accounts.directory.byName(account);
    return found ? lists.get(found.name) : undefined;
  };
}
