import type { Redis } from 'ioredis';
import { createAlertState } from '../alerts/alert-state.ts';
import { createApproverDirectory } from '../approval/approvers.ts';
import { createReaderPolicy } from '../approval/readers.ts';
import type { CasClient } from '../cas/client.ts';
import { createRenewableOrderIndex } from '../cas/renewable-orders.ts';
import type { Config } from '../config/config.ts';
import { type AppQueues, createQueues, logQueueErrors } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { createApplicationPlanner } from '../renewals/application.ts';
import { createDeployService } from '../renewals/deploy-service.ts';
import { createDueRunner } from '../renewals/due-runner.ts';
import { createDueSchedule } from '../renewals/request-due.ts';
import { createRequestExpiry, type RequestExpiry } from '../renewals/request-expiry.ts';
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
  cas: CasClient;
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
  const { config, logger, cas, now, redis, slack } = ctx;
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
  const { approvers, readers, readerDirectory } = accessDirectories(ctx);
  const expiry = createRequestExpiry({ store, deliver, logger, now });
  const due = dueRunnerOf(ctx, store, expiry);
  const serviceDeps = {
    store,
    cas,
    renewableOrders: createRenewableOrderIndex({ cas, now }),
    approvers,
    queues,
    due,
    expiry,
    deliver,
    logger,
    now,
    requestTtlMs: ctx.requestTtlMs,
    allowSelfApproval: config.approval.allowSelfApproval,
    applications: createApplicationPlanner({
      settings: config.application,
      listContacts: () => cas.listContacts(),
      now,
    }),
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
    readers,
    readerDirectory,
  };
}

/**
 * The app role's timer for what comes due (request-due.ts): the requests this process makes wake it on time,
 * others' are seen within a sweep interval (the process that made them wakes on time too).
 */
function dueRunnerOf({ config, logger, now, redis }: AppContext, store: RenewalStore, expiry: RequestExpiry) {
  return createDueRunner({
    schedule: createDueSchedule({ redis, key: store.key.due() }),
    handlers: { expire: expiry.expire },
    logger,
    now,
    pollMs: config.worker.sweepIntervalSeconds * 1000,
  });
}

/** The app role's services. */
export type AppServices = ReturnType<typeof createAppServices>;

/** Who may approve (`CERT_APPROVERS`) and who may read (`CERT_READERS`, approvers always may). */
function accessDirectories({ config, logger, now, redis, slack, approverCacheMs }: AppContext) {
  const listGroupMembers = async (usergroup: string) =>
    (await slack.client.usergroups.users.list({ usergroup })).users ?? [];
  const approvers = createApproverDirectory({
    approvers: config.approval.approvers,
    listGroupMembers,
    logger,
    now,
    ...(approverCacheMs !== undefined ? { ttlMs: approverCacheMs } : {}),
    maxStaleMs: config.approval.approverMaxStaleMinutes * 60_000,
  });
  const readerList = config.approval.readers;
  const readerDirectory =
    readerList.length > 0
      ? createApproverDirectory({ approvers: readerList, listGroupMembers, logger, now })
      : undefined;
  const readers = createReaderPolicy({
    readers: readerDirectory,
    approvers,
    redis,
    prefix: config.redis.prefix,
    now,
  });
  return { approvers, readers, readerDirectory };
}
