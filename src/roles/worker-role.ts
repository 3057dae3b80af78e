import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AccountCas } from '../accounts/account-cas.ts';
import type { AlertService } from '../alerts/alert-service.ts';
import { createAlertState } from '../alerts/alert-state.ts';
import type { CasClient } from '../cas/client.ts';
import type { Config } from '../config/config.ts';
import type { Connections } from '../connections.ts';
import { AppError } from '../errors.ts';
import {
  type AppQueues,
  createQueues,
  logQueueErrors,
  queueNames,
  syncExpiryScanSchedule,
} from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { migrateDeployments } from '../renewals/migrate-deployments.ts';
import { createRenewalStore, type Deliver, type RenewalStore } from '../renewals/store.ts';
import { settleWithin } from '../settle-within.ts';
import { createPermalinks } from '../slack/permalinks.ts';
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
import { countOutcomes } from './observability.ts';
import { alertServiceOf, outboxDeliveryParts, renewalTimings, roleBasics, serveOps } from './role-parts.ts';

/** What the worker role is built from. */
export interface WorkerRoleDeps {
  config: Config;
  logger: Logger;
  cas: CasClient;
  /** Every account's CAS client (the composition root's); the one account of `cas` when unset. */
  accounts?: AccountCas;
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
  const prefix = config.redis.prefix;
  const { now, metrics, accounts, connections } = roleBasics(deps);
  const ownConnections = () => {
    if (!deps.connections) connections.close();
  };
  const { bullmqRedis: connection, workerRedis: redis } = connections;
  const durability = await redisReady(redis, config, logger, ownConnections, now);
  // Built after the durability check: a refused start leaves nothing open.
  const queues = deps.queues ?? createQueues(redis, prefix, logQueueErrors(logger, 'worker'));
  const store = createRenewalStore({
    redis,
    prefix,
    now,
    onTransition: countOutcomes(metrics),
    onDeployment: (outcome) => metrics.deploymentEnded(outcome),
    durable: createDurableClaims(redis, durableWrites(redis, durability, deps.durability), now),
  });
  // No retries inside this client: a 429 becomes a job delay (Retry-After), so workers never hammer Slack.
  const threadSlack = connections.threadSlack;
  const parts = {
    store,
    redis,
    prefix,
    slack: threadSlack,
    permalinks: createPermalinks(threadSlack),
    logger,
    now,
  };
  const { alertPosts, deliver } = outboxDeliveryParts(parts);
  const timings = renewalTimings(config, deps.timings);
  const basics = { ...deps, accounts, now, metrics, store };
  const worker = startRenewalWorker({ ...basics, deliver, timings, queues, connection });
  // The scheduled expiry scan. Its alerts go out through a client that waits out 429s itself: a scan posts a
  // few messages a day, a second apart per channel.
  const state = createAlertState({ redis, prefix, now });
  const alerts = alertServiceOf({ ...basics, state, slack: connections.alertSlack, alertPosts });
  await syncExpiryScanSchedule(queues.scans, config.alerts, accounts.directory.fromFile);
  const scanWorker = startScanWorker(alerts, connection, config, logger);
  const sweeper = await startSweeper({ ...deps, now, redis, store, queues, deliver });
  const ops = deps.serveHttp
    ? await serveOps({ config, redis, queues: [queues.renewals, queues.scans], store, metrics, logger, now })
    : undefined;
  logger.info(
    { concurrency: config.worker.concurrency, metricsPort: ops?.port, durability: durability.kind },
    'worker role started',
  );

  return {
    worker,
    alerts,
    sweep: sweeper.sweep,
    async stop() {
      sweeper.stop();
      await ops?.close();
      // Waits for in-flight steps (each is one bounded CAS call); past that, let the lock expire and another
      // worker take over rather than hang shutdown.
      for (const w of [worker, scanWorker] as Worker[]) {
        if (!(await settleWithin(w.close(), config.cas.timeoutSeconds * 1000 + 5_000)))
          await settleWithin(w.close(true), 1_000);
      }
      if (!deps.queues) await settleWithin(queues.close(), 2_000);
      ownConnections();
    },
  };
}

/**
 * Redis as the worker needs it before its first job: a way to make claims durable ({@link durabilityOrRefuse}), and
 * every record in this version's shape (requests stored before the deployment had its own record are moved to it).
 */
async function redisReady(
  redis: Redis,
  config: Config,
  logger: Logger,
  closeOwn: () => void,
  now: () => number,
) {
  const durability = await durabilityOrRefuse(redis, config, logger, closeOwn);
  await migrateDeployments({ redis, prefix: config.redis.prefix, logger, now });
  return durability;
}

/**
 * How Redis makes the claim before the paid call durable; without a way, refuses to start (after `closeOwn`) when
 * `CERT_REQUIRE_DURABLE_REDIS` is on, else warns.
 */
async function durabilityOrRefuse(redis: Redis, config: Config, logger: Logger, closeOwn: () => void) {
  const durability = await probeDurability(redis);
  if (durability.kind === 'none') {
    if (config.redis.requireDurable) {
      closeOwn();
      throw new AppError('REDIS_NOT_DURABLE', notDurableMessage(durability));
    }
    logger.warn({ redisVersion: durability.version, why: durability.why }, notDurableMessage(durability));
  }
  return durability;
}

/** The worker of the renewals queue: each job runs its record's next step. */
function startRenewalWorker(deps: {
  config: Config;
  logger: Logger;
  accounts: AccountCas;
  now: () => number;
  metrics: Metrics;
  store: RenewalStore;
  deliver: Deliver;
  timings: RenewalTimings;
  queues: AppQueues;
  connection: Redis;
}): Worker<RenewalJobData> {
  const { config, logger, metrics } = deps;
  const processor = createRenewalProcessor({
    store: deps.store,
    cas: deps.accounts.cas,
    // Without an accounts file there is one account and no session: steps run as they always did.
    ...(deps.accounts.directory.fromFile
      ? { actAs: deps.accounts.actAs, currentAccount: () => deps.accounts.current()?.name }
      : {}),
    deliver: deps.deliver,
    logger,
    now: deps.now,
    timings: deps.timings,
    onTlsChecked: (results) => metrics.tlsChecked(results),
    // With back-off from CERT_POLL_MIN_SECONDS: a few minutes for a CDN to propagate.
    deploy: { ...config.deploy, tlsAttempts: 6 },
  });
  const worker = new Worker<RenewalJobData>(queueNames.renewals, processor, {
    connection: deps.connection,
    prefix: config.redis.prefix,
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
  return worker;
}

/** The worker of the scans queue: the scheduled expiry scan. */
function startScanWorker(alerts: AlertService, connection: Redis, config: Config, logger: Logger): Worker {
  const scanWorker = new Worker(queueNames.scans, async () => alerts.runWatchedScan(), {
    connection,
    prefix: config.redis.prefix,
    concurrency: 1,
    // Paging a large account takes a while: the lock must outlast it.
    lockDuration: Math.max(config.worker.lockSeconds * 1000, 120_000),
    stalledInterval: config.worker.stalledIntervalSeconds * 1000,
  });
  scanWorker.on('error', (err) => logger.warn({ err: { message: err.message } }, 'scan worker error'));
  return scanWorker;
}

/**
 * The sweeper, run once now and then every `CERT_SWEEP_INTERVAL_SECONDS`: requests without a renewal job get one,
 * undecided requests without an expiry entry get one (and what is due runs), and outboxes
 * left undelivered are delivered.
 */
async function startSweeper(deps: {
  config: Config;
  logger: Logger;
  now: () => number;
  sweepIntervalMs?: number;
  redis: Redis;
  store: RenewalStore;
  queues: AppQueues;
  deliver: Deliver;
}): Promise<{ sweep(): Promise<number>; stop(): void }> {
  const { logger, redis, store, queues, deliver, now } = deps;
  const sweep = async () => {
    const requeued = await sweepOrphans({ store, queue: queues.renewals, logger });
    await sweepExpiries({ redis, store, deliver, logger, now });
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
    deps.sweepIntervalMs ?? deps.config.worker.sweepIntervalSeconds * 1000,
  );
  sweeper.unref();
  return { sweep, stop: () => clearInterval(sweeper) };
}
