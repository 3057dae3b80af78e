import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AccountCas } from '../accounts/account-cas.ts';
import type { Decision } from '../approval/decisions.ts';
import type { CasClient } from '../cas/client.ts';
import type { Config } from '../config/config.ts';
import type { Connections } from '../connections.ts';
import { type AppQueues, queueNames, type RecordJobData, syncExpiryScanSchedule } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { createAttentionService } from '../renewals/attention-service.ts';
import { migrateDeployments } from '../renewals/migrate-deployments.ts';
import { settleWithin } from '../settle-within.ts';
import { noAccountText } from '../slack/account-replies.ts';
import { type AfterAck, createAfterAckQueue, createGuard } from '../slack/after-ack.ts';
import { expiringListText, scanNowText } from '../slack/alert-commands.ts';
import type { SlackApp } from '../slack/create-slack-app.ts';
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
import { statusText } from '../slack/status-command.ts';
import { type AppServices, createAppServices } from './app-services.ts';
import { redisAnswers } from './observability.ts';
import { roleBasics, serveOps } from './role-parts.ts';

/** What the app role is built from; everything with a side effect is injected. */
export interface AppRoleDeps {
  config: Config;
  logger: Logger;
  cas: CasClient;
  /** Every account's CAS client (the composition root's); the one account of `cas` when unset. */
  accounts?: AccountCas;
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
  /** Runs what is due now in this process; returns how many entries ran (its timer runs them on its own). */
  runDue(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts the app role: Slack listeners, the HTTP server, and the expiry of undecided requests. */
export async function startAppRole(deps: AppRoleDeps): Promise<AppRole> {
  const { config, logger } = deps;
  const { now, metrics, accounts, connections } = roleBasics(deps);
  const redis = connections.appRedis;
  const slack = connections.slackApp;
  const services = createAppServices({
    config,
    logger,
    accounts,
    now,
    metrics,
    redis,
    slack,
    queues: deps.queues,
    requestTtlMs: deps.requestTtlMs ?? 24 * 3600 * 1000,
    approverCacheMs: deps.approverCacheMs,
  });
  const { queues, store } = services;
  // Old-shape requests become readable before the first click: the same idempotent step as the worker's start.
  await migrateDeployments({ redis, prefix: config.redis.prefix, logger, now });
  const afterAck = createAfterAckQueue(4);
  registerListeners(slack, services, { config, logger, accounts, now, afterAck });
  const expiryWorker = startExpiryWorker(services, connections.bullmqRedis, config.redis.prefix, logger);
  services.due.start();
  await syncExpiryScanSchedule(queues.scans, config.alerts, accounts.directory.fromFile);

  const server: Server = createHttpServer({
    slackListener: slack.httpListener,
    signingSecret: config.slack.signingSecret,
    now,
    logger,
    health: () => redisAnswers(redis, 1_000),
  });
  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  const ops = await serveOps({
    config,
    redis,
    queues: [queues.renewals, queues.approvals, queues.scans],
    store,
    metrics,
    logger,
    now,
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
    runDue: () => services.due.run(),
    async stop() {
      services.due.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ops.close();
      if (slack.socketMode) await slack.app.stop();
      // No request can arrive now: work acked before the stop (a card to post) finishes first, bounded, while Redis
      // and Slack are still open.
      await settleWithin(afterAck.drain(), 5_000);
      // Bounded: with Redis unreachable, a graceful close would wait for it forever.
      if (!(await settleWithin(expiryWorker.close(), 5_000)))
        await settleWithin(expiryWorker.close(true), 1_000);
      await settleWithin(queues.close(), 2_000);
      if (!deps.connections) connections.close();
    },
  };
}

/** Every Slack listener of the app: the command, the cards' buttons, the modals, and the fallbacks. */
function registerListeners(
  slack: SlackApp,
  services: AppServices,
  {
    config,
    logger,
    accounts,
    now,
    afterAck,
  }: Pick<AppRoleDeps, 'config' | 'logger'> & { accounts: AccountCas; now: () => number; afterAck: AfterAck },
): void {
  const { store, service, approvers, readers, readerDirectory, permalinks, alerts, alertState } = services;
  guardInstallation(slack.app, { logger, installation: slack.installation });
  const openFlow = createOpenFlow({ service, slack: slack.client, permalinks, now });
  // A request is bound to its channel's account at creation, and its order looked up in that account only.
  const openAndPost: typeof openFlow = (input, reply) =>
    accounts.inChannel(input.channelId, `by-${input.userId}`, (account) =>
      openFlow({ ...input, ...(accounts.directory.fromFile ? { account: account.name } : {}) }, reply),
    );
  const { cas } = accounts;
  // Every listener's work after its ack goes through one bounded queue and answers the person on failure.
  const guarded = createGuard({ afterAck, logger });
  /**
   * Who may make a decision (a refusal names them): the request's account's lists, else CERT_APPROVERS (and for the
   * free ones CERT_ROTATION_APPROVERS).
   */
  const describeApprovers = (decision?: Decision, account?: string) =>
    services.decisions.describe(decision ?? 'money', account);
  registerCertCommand(slack.app, {
    openAndPost,
    readers: {
      check: (userId) => readers.check(userId),
      describe: () => [readerDirectory?.describe(), approvers.describe()].filter(Boolean).join(', '),
    },
    noAccount: (channelId) =>
      accounts.directory.accountFor(channelId)
        ? undefined
        : noAccountText(accounts.directory.channelsWithAccount()),
    status: (id, channelId) =>
      accounts.inChannel(channelId, 'status', (account) =>
        statusText(
          { store, cas, permalinks, account: accounts.directory.fromFile ? account.name : undefined },
          id,
        ),
      ),
    list: (channelId) =>
      accounts.inChannel(channelId, 'list', () =>
        expiringListText(cas, { now: now(), thresholds: config.alerts }),
      ),
    scan: (userId) => scanNowText({ alerts, approvers, everyAccount: accounts.directory.fromFile }, userId),
    guarded,
    logger,
  });
  registerAlertActions(slack.app, {
    openAndPost,
    alertState,
    decisions: services.decisions,
    directory: accounts.directory,
    guarded,
    logger,
    now,
  });
  registerCardActions(slack.app, { service, approvers: describeApprovers, guarded, logger });
  registerDeployActions(slack.app, { deploy: services.deployService, approvers: describeApprovers, guarded });
  const { renewals } = services.queues;
  registerAttentionActions(slack.app, {
    attention: createAttentionService({
      store,
      decisions: services.decisions,
      renewals,
      deliver: services.deliver,
      logger,
      now,
    }),
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
}

/**
 * Runs the expiry jobs that versions before the due schedule (request-due.ts) added, one delayed job per request
 * in the approvals queue; new requests have none. It can go once no such job is left (24 h after the upgrade with
 * the default TTL); the sweeper schedules the expiry of every undecided request anyway.
 */
function startExpiryWorker(services: AppServices, connection: Redis, prefix: string, logger: Logger) {
  const expiryWorker = new Worker<RecordJobData>(
    queueNames.approvals,
    async (job) => {
      if (job.name === 'expire') await services.service.expire(job.data.recordId);
    },
    { connection, prefix, concurrency: 4 },
  );
  expiryWorker.on('error', (err) => logger.warn({ err: { message: err.message } }, 'expiry worker error'));
  return expiryWorker;
}
