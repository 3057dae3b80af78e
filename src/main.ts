import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { accountPacers } from './accounts/account-pacers.ts';
import { createAccountCasFromConfig, loadAccounts } from './accounts/from-config.ts';
import { casRateLimits } from './cas/pacer.ts';
import { loadConfig } from './config/config.ts';
import { createConnections } from './connections.ts';
import { isAppError } from './errors.ts';
import { type AppQueues, createQueues, logQueueErrors } from './jobs/queues.ts';
import { createLogger } from './logging.ts';
import { createMetrics } from './metrics.ts';
import { startAppRole } from './roles/app-role.ts';
import { startWorkerRole } from './roles/worker-role.ts';

// Entry point: `npm start` (app + worker in one process), `npm run app`, `npm run worker` (each alone, scalable).
const { values } = parseArgs({ options: { role: { type: 'string', default: 'all' } } });
const role = values.role;
if (role !== 'all' && role !== 'app' && role !== 'worker') {
  process.stderr.write(`--role must be all, app or worker (got ${role})\n`);
  process.exit(2);
}

let config: ReturnType<typeof loadConfig>;
let accountList: Awaited<ReturnType<typeof loadAccounts>>;
try {
  config = loadConfig(process.env);
  // The accounts file (CERT_ACCOUNTS) is validated with the rest: a bad one stops the start naming account and field.
  accountList = await loadAccounts(config, (path) => readFile(path, 'utf8'));
} catch (err) {
  if (isAppError(err) && err.code === 'CONFIG_INVALID') {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}

const logger = createLogger({ level: config.logLevel, base: { service: 'certbot', role } });
const metrics = createMetrics();
// The composition root: every Redis connection and Slack client, built once here and handed to the roles.
const connections = createConnections(config, logger, metrics);
// CAS rate limits are per account: every process paces each account's calls through that account's window in
// Redis (the one account of a deployment without an accounts file keeps the window it always had).
const accounts = createAccountCasFromConfig(config, accountList, {
  env: process.env,
  homeDir: homedir(),
  logger,
  now: Date.now,
  paceFor: accountPacers({
    redis: connections.workerRedis,
    prefix: config.redis.prefix,
    fromFile: accountList.file !== undefined,
    limits: casRateLimits,
  }),
  onCall: (event) => metrics.casCall(event),
});
const cas = accounts.cas;

const stops: Array<() => Promise<void>> = [];
// Each role's queues on its own connection: the app's fail fast (a Slack user gets an answer within seconds), the
// worker's wait for Redis. Built here, closed here after the roles stopped.
const queues: AppQueues[] = [];
const queuesFor = (name: 'app' | 'worker') => {
  const redis = name === 'app' ? connections.appRedis : connections.workerRedis;
  const built = createQueues(redis, config.redis.prefix, logQueueErrors(logger, name));
  queues.push(built);
  return built;
};
const closeQueues = () => Promise.all(queues.map((q) => q.close()));
// What both roles are built from.
const roleDeps = { config, logger, cas, accounts, metrics, connections };
if (role === 'all' || role === 'app') {
  const app = await startAppRole({
    ...roleDeps,
    queues: queuesFor('app'),
    requestTtlMs: config.approval.requestTtlHours * 3_600_000,
  });
  stops.push(app.stop);
}
if (role === 'all' || role === 'worker') {
  // Alone, the worker serves its own /healthz, /readyz and /metrics on METRICS_PORT; with the app, the app's does.
  const worker = await startWorkerRole({
    ...roleDeps,
    queues: queuesFor('worker'),
    serveHttp: role === 'worker',
  }).catch(async (err: unknown) => {
    if (!isAppError(err) || err.code !== 'REDIS_NOT_DURABLE') throw err;
    process.stderr.write(`${err.message}\n`);
    await Promise.all(stops.map((stop) => stop()));
    await closeQueues();
    connections.close();
    process.exit(1);
  });
  stops.push(worker.stop);
}

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  Promise.all(stops.map((stop) => stop()))
    .then(closeQueues)
    .then(() => connections.close())
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      logger.error({ err: { message: (err as Error).message } }, 'shutdown failed');
      process.exit(1);
    });
};
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
