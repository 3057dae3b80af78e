import type { WebClient } from '@slack/web-api';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createAccountAlerts } from '../accounts/account-alerts.ts';
import type { AccountCas } from '../accounts/account-cas.ts';
import { singleAccountCas } from '../accounts/single-account.ts';
import { createAlertService } from '../alerts/alert-service.ts';
import type { AlertState } from '../alerts/alert-state.ts';
import type { CasClient } from '../cas/client.ts';
import type { Config } from '../config/config.ts';
import { type Connections, createConnections } from '../connections.ts';
import type { Logger } from '../logger.ts';
import { createMetrics, type Metrics } from '../metrics.ts';
import type { RenewalStore } from '../renewals/store.ts';
import { createAlertPoster } from '../slack/alert-poster.ts';
import { type AlertPosts, createAlertPosts } from '../slack/alert-posts.ts';
import { createOutboxDelivery } from '../slack/outbox-delivery.ts';
import type { Permalinks } from '../slack/permalinks.ts';
import { createRenewedAlertUpdates } from '../slack/renewed-alerts.ts';
import type { RenewalTimings } from '../worker/renewal-processor.ts';
import { queuesReady, readGaugesFrom, redisAnswers, startOpsServer } from './observability.ts';

// What the app role and the worker role build the same way, each on its own connections.

/** What a role's caller may give it (tests, `npm start`'s one process running both); the rest it builds. */
interface RoleGiven {
  config: Config;
  logger: Logger;
  cas: CasClient;
  accounts?: AccountCas;
  now?: () => number;
  metrics?: Metrics;
  connections?: Connections;
}

/** The clock, metrics, accounts and connections of a role: the given ones, else built here (one place for both). */
export function roleBasics(deps: RoleGiven) {
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? createMetrics();
  const accounts = deps.accounts ?? singleAccountCas(deps.cas, deps.config);
  const connections = deps.connections ?? createConnections(deps.config, deps.logger, metrics);
  return { now, metrics, accounts, connections };
}

/** What every part reads its requests from, logs to, and tells the time by. */
interface PartBasics {
  store: RenewalStore;
  logger: Logger;
  now: () => number;
}

/**
 * Delivery of the thread messages and cards a renewal's records owe (its outbox), through `slack`; alerts that
 * name a renewed order are updated on the way. Also the alert posts it reads, for the alert poster.
 */
export function outboxDeliveryParts(
  deps: PartBasics & { redis: Redis; prefix: string; slack: WebClient; permalinks: Permalinks },
) {
  const { store, slack, permalinks, logger, now } = deps;
  const alertPosts = createAlertPosts({ redis: deps.redis, prefix: deps.prefix });
  const alertsRenewed = createRenewedAlertUpdates({ posts: alertPosts, slack, permalinks, logger });
  const deliver = createOutboxDelivery({ store, slack, logger, now, alertsRenewed });
  return { alertPosts, deliver };
}

/**
 * The expiry-alert service: scans each account's CAS in its own session, posts to that account's channels (its
 * first channel, or its routes) through `slack`, counts what it posted.
 */
export function alertServiceOf(
  deps: PartBasics & {
    config: Config;
    accounts: AccountCas;
    state: AlertState;
    slack: WebClient;
    alertPosts: AlertPosts;
    metrics: Metrics;
  },
) {
  const { accounts, state, store, logger, now } = deps;
  const post = createAlertPoster({ slack: deps.slack, posts: deps.alertPosts, logger });
  return createAccountAlerts(accounts, (account) =>
    createAlertService({
      cas: accounts.cas,
      state,
      store,
      post,
      logger,
      now,
      alerts: { ...deps.config.alerts, channel: account.alertChannel, routes: [...account.alertRoutes] },
      // Scan health per account with a file; without one, the one account keeps the key it always had.
      account: accounts.directory.fromFile ? account.name : undefined,
      onPosted: (kind, count) => deps.metrics.alertsSent(kind, count),
    }),
  );
}

/**
 * The operations listener on `METRICS_PORT` (`/metrics`, `/readyz`, `/healthz`), its gauges reading these queues
 * and this store.
 */
export function serveOps(
  deps: PartBasics & { config: Config; redis: Redis; queues: readonly Queue[]; metrics: Metrics },
) {
  const { config, redis, queues, metrics, logger, now } = deps;
  readGaugesFrom(metrics, queues, deps.store, now);
  // Metrics and readiness cost Redis round trips and say more than the public needs: their own port.
  return startOpsServer({
    port: config.metricsPort,
    host: config.metricsHost,
    logger,
    now,
    health: () => redisAnswers(redis, 1_000),
    ready: queuesReady(redis, queues),
    metrics: () => metrics.render(),
  });
}

/** The step timings from the configuration, with the test overrides. */
export function renewalTimings(
  config: Config,
  overrides: Partial<RenewalTimings> | undefined,
): RenewalTimings {
  return {
    pollMinMs: config.poll.minSeconds * 1000,
    pollMaxMs: config.poll.maxSeconds * 1000,
    deadlineMs: config.poll.deadlineHours * 3_600_000,
    casTimeoutMs: config.cas.timeoutSeconds * 1000,
    reconcileSettleMs: config.worker.reconcileSettleSeconds * 1000,
    submitRetryBaseMs: 10_000,
    maxSubmitRetries: 8,
    maxReconciles: 3,
    maxUnknowns: 5,
    maxPollErrors: 20,
    persistResultMs: 600_000,
    maxRunFailures: config.worker.maxFailures,
    ...overrides,
  };
}
