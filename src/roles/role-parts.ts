import type { WebClient } from '@slack/web-api';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createAlertService } from '../alerts/alert-service.ts';
import type { AlertState } from '../alerts/alert-state.ts';
import type { CasClient } from '../cas/client.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { RenewalStore } from '../renewals/store.ts';
import { createAlertPoster } from '../slack/alert-poster.ts';
import { type AlertPosts, createAlertPosts } from '../slack/alert-posts.ts';
import { createOutboxDelivery } from '../slack/outbox-delivery.ts';
import type { Permalinks } from '../slack/permalinks.ts';
import { createRenewedAlertUpdates } from '../slack/renewed-alerts.ts';
import { queuesReady, readGaugesFrom, redisAnswers, startOpsServer } from './observability.ts';

// What the app role and the worker role build the same way, each on its own connections.

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

/** The expiry-alert service: scans CAS, posts through `slack`, counts what it posted. */
export function alertServiceOf(
  deps: PartBasics & {
    config: Config;
    cas: CasClient;
    state: AlertState;
    slack: WebClient;
    alertPosts: AlertPosts;
    metrics: Metrics;
  },
) {
  const { cas, state, store, logger, now } = deps;
  return createAlertService({
    cas,
    state,
    store,
    post: createAlertPoster({ slack: deps.slack, posts: deps.alertPosts, logger }),
    logger,
    now,
    alerts: deps.config.alerts,
    onPosted: (kind, count) => deps.metrics.alertsSent(kind, count),
  });
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
