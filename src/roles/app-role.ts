import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createAlertService } from '../alerts/alert-service.ts';
import { createAlertState } from '../alerts/alert-state.ts';
import { createApproverDirectory } from '../approval/approvers.ts';
import { createReaderPolicy } from '../approval/readers.ts';
import type { CasClient } from '../cas/client.ts';
import { createRenewableOrderIndex } from '../cas/renewable-orders.ts';
import type { Config } from '../config/config.ts';
import { type Connections, createConnections } from '../connections.ts';
import {
  type AppQueues,
  createQueues,
  logQueueErrors,
  queueNames,
  type RecordJobData,
  syncExpiryScanSchedule,
} from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import { createMetrics, type Metrics } from '../metrics.ts';
import { createApplicationPlanner } from '../renewals/application.ts';
import { createAttentionService } from '../renewals/attention-service.ts';
import { createDeployService } from '../renewals/deploy-service.ts';
import { createRequestService } from '../renewals/request-service.ts';
import { createRenewalStore } from '../renewals/store.ts';
import { settleWithin } from '../settle-within.ts';
import { createAfterAckQueue, createGuard } from '../slack/after-ack.ts';
import { expiringListText, scanNowText } from '../slack/alert-commands.ts';
import { createAlertPoster } from '../slack/alert-poster.ts';
import { createAlertPosts } from '../slack/alert-posts.ts';
import { createHttpServer } from '../slack/http-server.ts';
import { guardInstallation } from '../slack/installation-guard.ts';
import { registerAlertActions } from '../slack/listeners/alert-actions.ts';
import { registerAttentionActions } from '../slack/listeners/attention-actions.ts';
import { registerCardActions } from '../slack/listeners/card-actions.ts';
import { registerCertCommand } from '../slack/listeners/cert-command.ts';
import { registerDeployActions } from '../slack/listeners/deploy-actions.ts';
import { registerFallbacks } from '../slack/listeners/fallbacks.ts';
import { registerModalSubmissions } from '../slack/listeners/modal-submissions.ts';
import { createOpenFlow } from '../slack/open-flow.ts';
import { createOutboxDelivery } from '../slack/outbox-delivery.ts';
import { createPermalinks } from '../slack/permalinks.ts';
import { createRenewedAlertUpdates } from '../slack/renewed-alerts.ts';
import { statusText } from '../slack/status-command.ts';
import { countOutcomes, queuesReady, readGaugesFrom, redisAnswers, startOpsServer } from './observability.ts';

/** What the app role is built from; everything with a side effect is injected. */
export interface AppRoleDeps {
  config: Config;
  logger: Logger;
  cas: CasClient;
  now?: () => number;
  /** How long a request waits for a decision, milliseconds. @defaultValue 24 h */
  requestTtlMs?: number;
  /** How long an approver group's member list is cached, milliseconds. @defaultValue 5 min */
  approverCacheMs?: number;
  /** Shared with the worker role in one process; its own otherwise. */
  metrics?: Metrics;
  /** Redis connections and Slack clients from the composition root; the role builds (and closes) its own when unset. */
  connections?: Connections;
  /** The queues the app writes to, from the composition root; built on `connections` when unset. Closed on stop. */
  queues?: AppQueues;
}

/** The running app role. */
export interface AppRole {
  /** The port `/slack/events` and `/healthz` listen on. */
  port: number;
  /** The port `/metrics`, `/readyz` and `/healthz` listen on (`METRICS_PORT`). */
  metricsPort: number;
  redis: Redis;
  stop(): Promise<void>;
}

/** Starts the app role: Slack listeners, the HTTP server, and the expiry of undecided requests. */
export async function startAppRole(deps: AppRoleDeps): Promise<AppRole> {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? createMetrics();
  const connections = deps.connections ?? createConnections(config, logger, metrics);
  // Commands fail fast instead of queueing while Redis is away: a Slack user gets an answer within seconds.
  const redis = connections.appRedis;
  const workerConnection = connections.bullmqRedis;
  const store = createRenewalStore({
    redis,
    prefix: config.redis.prefix,
    now,
    onTransition: countOutcomes(metrics),
  });
  const queues = deps.queues ?? createQueues(redis, config.redis.prefix, logQueueErrors(logger, 'app'));
  const slack = connections.slackApp;
  const approvers = createApproverDirectory({
    approvers: config.approval.approvers,
    listGroupMembers: async (usergroup) =>
      (await slack.client.usergroups.users.list({ usergroup })).users ?? [],
    logger,
    now,
    ...(deps.approverCacheMs !== undefined ? { ttlMs: deps.approverCacheMs } : {}),
    maxStaleMs: config.approval.approverMaxStaleMinutes * 60_000,
  });
  const permalinks = createPermalinks(slack.client);
  const alertPosts = createAlertPosts({ redis, prefix: config.redis.prefix });
  const alertsRenewed = createRenewedAlertUpdates({
    posts: alertPosts,
    slack: slack.client,
    permalinks,
    logger,
  });
  const deliver = createOutboxDelivery({ store, slack: slack.client, logger, now, alertsRenewed });
  const serviceDeps = {
    store,
    cas: deps.cas,
    renewableOrders: createRenewableOrderIndex({ cas: deps.cas, now }),
    approvers,
    queues,
    deliver,
    logger,
    now,
    requestTtlMs: deps.requestTtlMs ?? 24 * 3600 * 1000,
    allowSelfApproval: config.approval.allowSelfApproval,
    applications: createApplicationPlanner({
      settings: config.application,
      listContacts: () => deps.cas.listContacts(),
      now,
    }),
  };
  const service = createRequestService(serviceDeps);
  const deployService = createDeployService({ ...serviceDeps, requests: service });
  const alertState = createAlertState({ redis, prefix: config.redis.prefix, now });
  const alerts = createAlertService({
    cas: deps.cas,
    state: alertState,
    store,
    post: createAlertPoster({ slack: slack.client, posts: alertPosts, logger }),
    logger,
    now,
    alerts: config.alerts,
    onPosted: (kind, count) => metrics.alertsSent(kind, count),
  });
  guardInstallation(slack.app, { logger, installation: slack.installation });
  const openAndPost = createOpenFlow({ service, slack: slack.client, permalinks, now });
  // Every listener's work after its ack goes through one bounded queue and answers the person on failure.
  const guarded = createGuard({ afterAck: createAfterAckQueue(4), logger });
  const describeApprovers = () => approvers.describe();
  const readerList = config.approval.readers;
  const readerDirectory =
    readerList.length > 0
      ? createApproverDirectory({
          approvers: readerList,
          listGroupMembers: async (usergroup) =>
            (await slack.client.usergroups.users.list({ usergroup })).users ?? [],
          logger,
          now,
        })
      : undefined;
  const readers = createReaderPolicy({
    readers: readerDirectory,
    approvers,
    redis,
    prefix: config.redis.prefix,
    now,
  });
  registerCertCommand(slack.app, {
    openAndPost,
    readers: {
      check: (userId) => readers.check(userId),
      describe: () => [readerDirectory?.describe(), approvers.describe()].filter(Boolean).join(', '),
    },
    status: (id) => statusText({ store, cas: deps.cas, permalinks }, id),
    list: () => expiringListText(deps.cas, { now: now(), thresholds: config.alerts }),
    scan: (userId) => scanNowText({ alerts, approvers }, userId),
    guarded,
    logger,
  });
  registerAlertActions(slack.app, { openAndPost, alertState, approvers, guarded, logger, now });
  registerCardActions(slack.app, { service, approvers: describeApprovers, guarded, logger });
  registerDeployActions(slack.app, { deploy: deployService, approvers: describeApprovers, guarded });
  registerAttentionActions(slack.app, {
    attention: createAttentionService({ store, approvers, renewals: queues.renewals, deliver, logger, now }),
    approvers: describeApprovers,
    guarded,
    logger,
  });
  registerModalSubmissions(slack.app, { service, approvers: describeApprovers, logger });
  registerFallbacks(slack.app, logger);
  slack.app.error(async (err) => {
    logger.error(
      { err: { message: err.message, code: (err as { code?: string }).code } },
      'Slack listener failed',
    );
  });

  const expiryWorker = new Worker<RecordJobData>(
    queueNames.approvals,
    async (job) => {
      if (job.name === 'expire') await service.expire(job.data.recordId);
    },
    { connection: workerConnection, prefix: config.redis.prefix, concurrency: 4 },
  );
  expiryWorker.on('error', (err) => logger.warn({ err: { message: err.message } }, 'expiry worker error'));

  await syncExpiryScanSchedule(queues.scans, config.alerts);
  readGaugesFrom(metrics, [queues.renewals, queues.approvals, queues.scans], store, now);

  const server: Server = createHttpServer({
    slackListener: slack.httpListener,
    signingSecret: config.slack.signingSecret,
    now,
    logger,
    health: () => redisAnswers(redis, 1_000),
  });
  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  // Metrics and readiness cost Redis round trips and say more than the public needs: their own port.
  const ops = await startOpsServer({
    port: config.metricsPort,
    host: config.metricsHost,
    logger,
    now,
    health: () => redisAnswers(redis, 1_000),
    ready: queuesReady(redis, [queues.renewals, queues.approvals, queues.scans]),
    metrics: () => metrics.render(),
  });
  if (slack.socketMode) await slack.app.start();
  const port = (server.address() as AddressInfo).port;
  logger.info(
    { port, metricsPort: ops.port, mode: slack.socketMode ? 'socket' : 'http' },
    'app role started',
  );

  return {
    port,
    metricsPort: ops.port,
    redis,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ops.close();
      if (slack.socketMode) await slack.app.stop();
      // Bounded: with Redis unreachable, a graceful close would wait for it forever.
      if (!(await settleWithin(expiryWorker.close(), 5_000)))
        await settleWithin(expiryWorker.close(true), 1_000);
      await settleWithin(queues.close(), 2_000);
      if (!deps.connections) connections.close();
    },
  };
}
