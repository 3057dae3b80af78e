import { Worker } from 'bullmq';
import { type AlertService, createAlertService } from '../alerts/alert-service.ts';
import { createAlertState } from '../alerts/alert-state.ts';
import type { CasClient } from '../cas/client.ts';
import type { Config } from '../config/config.ts';
import { type Connections, createConnections } from '../connections.ts';
import { AppError } from '../errors.ts';
import {
  type AppQueues,
  createQueues,
  logQueueErrors,
  queueNames,
  syncExpiryScanSchedule,
} from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import { createMetrics, type Metrics } from '../metrics.ts';
import { createRenewalStore } from '../renewals/store.ts';
import { settleWithin } from '../settle-within.ts';
import { createAlertPoster } from '../slack/alert-poster.ts';
import { createAlertPosts } from '../slack/alert-posts.ts';
import { createOutboxDelivery } from '../slack/outbox-delivery.ts';
import { createPermalinks } from '../slack/permalinks.ts';
import { createRenewedAlertUpdates } from '../slack/renewed-alerts.ts';
import { createDurableClaims } from '../worker/durable-claims.ts';
import {
  type DurableRedisOptions,
  durableWrites,
  notDurableMessage,
  probeDurability,
} from '../worker/durable-redis.ts';
import { sweepExpiries } from '../worker/expiry-repair.ts';
import {
  createRenewalProcessor,
  type RenewalJobData,
  type RenewalTimings,
} from '../worker/renewal-processor.ts';
import { sweepOrphans, sweepOutboxes } from '../worker/sweeper.ts';
import { countOutcomes, queuesReady, readGaugesFrom, redisAnswers, startOpsServer } from './observability.ts';

/** What the worker role is built from. */
export interface WorkerRoleDeps {
  config: Config;
  logger: Logger;
  cas: CasClient;
  now?: () => number;
  /** Overrides of the step timings (tests). */
  timings?: Partial<RenewalTimings>;
  /** How often the sweeper looks for requests without a job, milliseconds. @defaultValue 300000 */
  sweepIntervalMs?: number;
  /** Shared with the app role in one process; its own otherwise. */
  metrics?: Metrics;
  /** Serve `/healthz`, `/readyz` and `/metrics` on `METRICS_PORT` (when the worker runs alone). @defaultValue false */
  serveHttp?: boolean;
  /** Redis connections and Slack clients from the composition root; the role builds (and closes) its own when unset. */
  connections?: Connections;
  /** How the claim before the paid call is made durable (tests shorten the `everysec` wait). */
  durability?: DurableRedisOptions;
  /**
   * The queues the worker writes to (requeues, repaired expiries, the scan schedule), on the worker's connection,
   * from the composition root, which closes them; built on `connections` (and closed on stop) when unset.
   */
  queues?: AppQueues;
}

/** The running worker role. */
export interface WorkerRole {
  worker: Worker<RenewalJobData>;
  alerts: AlertService;
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts the worker role: renewal jobs (the paid call once, polling, thread messages), the orphan sweeper, and
 * the scheduled expiry scan.
 */
export async function startWorkerRole(deps: WorkerRoleDeps): Promise<WorkerRole> {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const prefix = config.redis.prefix;
  const metrics = deps.metrics ?? createMetrics();
  const connections = deps.connections ?? createConnections(config, logger, metrics);
  const ownConnections = () => {
    if (!deps.connections) connections.close();
  };
  const connection = connections.bullmqRedis;
  const redis = connections.workerRedis;
  const durability = await probeDurability(redis);
  if (durability.kind === 'none') {
    if (config.redis.requireDurable) {
      ownConnections();
      throw new AppError('REDIS_NOT_DURABLE', notDurableMessage(durability));
    }
    logger.warn({ redisVersion: durability.version, why: durability.why }, notDurableMessage(durability));
  }
  // Built after the durability check: a refused start leaves nothing open.
  const queues = deps.queues ?? createQueues(redis, prefix, logQueueErrors(logger, 'worker'));
  const renewalsQueue = queues.renewals;
  const ownQueues = async () => {
    if (!deps.queues) await queues.close();
  };
  const store = createRenewalStore({
    redis,
    prefix,
    now,
    onTransition: countOutcomes(metrics),
    onDeployment: (outcome) => metrics.deploymentEnded(outcome),
    durable: createDurableClaims(redis, durableWrites(redis, durability, deps.durability), now),
  });
  const casTimeoutMs = config.cas.timeoutSeconds * 1000;
  const timings: RenewalTimings = {
    pollMinMs: config.poll.minSeconds * 1000,
    pollMaxMs: config.poll.maxSeconds * 1000,
    deadlineMs: config.poll.deadlineHours * 3_600_000,
    casTimeoutMs,
    reconcileSettleMs: config.worker.reconcileSettleSeconds * 1000,
    submitRetryBaseMs: 10_000,
    maxSubmitRetries: 8,
    maxReconciles: 3,
    maxUnknowns: 5,
    maxPollErrors: 20,
    persistResultMs: 600_000,
    maxRunFailures: config.worker.maxFailures,
    ...deps.timings,
  };

  // No retries inside this client: a 429 becomes a job delay (Retry-After), so workers never hammer Slack.
  const threadSlack = connections.threadSlack;
  const alertPosts = createAlertPosts({ redis, prefix });
  const alertsRenewed = createRenewedAlertUpdates({
    posts: alertPosts,
    slack: threadSlack,
    permalinks: createPermalinks(threadSlack),
    logger,
  });
  const deliver = createOutboxDelivery({ store, slack: threadSlack, logger, now, alertsRenewed });
  const processor = createRenewalProcessor({
    store,
    cas: deps.cas,
    deliver,
    logger,
    now,
    timings,
    onTlsChecked: (results) => metrics.tlsChecked(results),
    deploy: {
      mode: config.deploy.mode,
      products: config.deploy.products,
      tlsCheck: config.deploy.tlsCheck,
      tlsResolve: config.deploy.tlsResolve,
      // With back-off from CERT_POLL_MIN_SECONDS: a few minutes for a CDN to propagate.
      tlsAttempts: 6,
    },
  });
  const worker = new Worker<RenewalJobData>(queueNames.renewals, processor, {
    connection,
    prefix,
    concurrency: config.worker.concurrency,
    lockDuration: config.worker.lockSeconds * 1000,
    stalledInterval: config.worker.stalledIntervalSeconds * 1000,
    // A job whose worker died runs again: safe, because a record in `submitting` is reconciled, never re-sent.
    maxStalledCount: 1,
    // Global across all workers of the queue: keeps CAS calls under its documented rates.
    limiter: { max: Math.max(1, Math.round(config.worker.casQps)), duration: 1000 },
  });
  worker.on('error', (err) => logger.warn({ err: { message: err.message } }, 'renewal worker error'));
  worker.on('failed', (job, err) => {
    logger.error(
      { recordId: job?.data.recordId, attemptsMade: job?.attemptsMade, err: { message: err.message } },
      'renewal job failed',
    );
  });

  // The scheduled expiry scan. Its alerts go out through a client that waits out 429s itself: a scan posts a
  // few messages a day, a second apart per channel.
  const alerts = createAlertService({
    cas: deps.cas,
    state: createAlertState({ redis, prefix, now }),
    store,
    post: createAlertPoster({ slack: connections.alertSlack, posts: alertPosts, logger }),
    logger,
    now,
    alerts: config.alerts,
    onPosted: (kind, count) => metrics.alertsSent(kind, count),
  });
  const scansQueue = queues.scans;
  await syncExpiryScanSchedule(scansQueue, config.alerts);
  const scanWorker = new Worker(queueNames.scans, async () => alerts.runWatchedScan(), {
    connection,
    prefix,
    concurrency: 1,
    // Paging a large account takes a while: the lock must outlast it.
    lockDuration: Math.max(config.worker.lockSeconds * 1000, 120_000),
    stalledInterval: config.worker.stalledIntervalSeconds * 1000,
  });
  scanWorker.on('error', (err) => logger.warn({ err: { message: err.message } }, 'scan worker error'));

  // Undecided requests whose expiry job is missing get one (their expiry jobs run in the app role).
  const sweep = async () => {
    const requeued = await sweepOrphans({ store, queue: renewalsQueue, logger });
    await sweepExpiries({ redis, store, queue: queues.approvals, logger, now });
    await sweepOutboxes({ store, deliver, logger });
    return requeued;
  };
  const sweepQuietly = () =>
    sweep().catch((err: unknown) =>
      logger.warn({ err: { message: (err as Error).message } }, 'sweep failed'),
    );
  await sweepQuietly();
  const sweeper = setInterval(
    sweepQuietly,
    deps.sweepIntervalMs ?? config.worker.sweepIntervalSeconds * 1000,
  );
  sweeper.unref();
  let ops: Awaited<ReturnType<typeof startOpsServer>> | undefined;
  if (deps.serveHttp) {
    readGaugesFrom(metrics, [renewalsQueue, scansQueue], store, now);
    ops = await startOpsServer({
      port: config.metricsPort,
      host: config.metricsHost,
      logger,
      now,
      health: () => redisAnswers(redis, 1_000),
      ready: queuesReady(redis, [renewalsQueue, scansQueue]),
      metrics: () => metrics.render(),
    });
  }
  logger.info(
    { concurrency: config.worker.concurrency, metricsPort: ops?.port, durability: durability.kind },
    'worker role started',
  );

  return {
    worker,
    alerts,
    sweep,
    async stop() {
      clearInterval(sweeper);
      await ops?.close();
      // Waits for in-flight steps (each is one bounded CAS call); past that, let the lock expire and another
      // worker take over rather than hang shutdown.
      for (const w of [worker, scanWorker] as Worker[]) {
        if (!(await settleWithin(w.close(), casTimeoutMs + 5_000))) await settleWithin(w.close(true), 1_000);
      }
      await settleWithin(ownQueues(), 2_000);
      ownConnections();
    },
  };
}
