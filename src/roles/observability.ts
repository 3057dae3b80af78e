import type { AddressInfo } from 'node:net';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { RenewalState } from '../renewals/record.ts';
import type { RenewalStore } from '../renewals/store.ts';
import { settleWithin } from '../settle-within.ts';
import { createHttpServer } from '../slack/http-server.ts';

/** Counts a renewal's final state (the store's transition hook). */
export function countOutcomes(metrics: Metrics): (to: RenewalState) => void {
  return (to) => metrics.renewalFinished(to);
}

/**
 * Whether Redis answers PING within `timeoutMs`. Bounded because ioredis queues commands while reconnecting:
 * a probe must say "down" quickly, not wait for the connection to come back.
 */
export async function redisAnswers(redis: Redis, timeoutMs: number): Promise<boolean> {
  let answered = false;
  const ping = redis.ping().then((reply) => {
    answered = reply === 'PONG';
  });
  return (await settleWithin(ping, timeoutMs)) && answered;
}

/** Readiness: Redis answers and every queue can be read, within `timeoutMs`. */
export function queuesReady(
  redis: Redis,
  queues: readonly Queue[],
  timeoutMs = 2_000,
): () => Promise<boolean> {
  return async () => {
    if (!(await redisAnswers(redis, timeoutMs))) return false;
    let ok = false;
    const read = Promise.all(queues.map((q) => q.getJobCounts('waiting'))).then(() => {
      ok = true;
    });
    return (await settleWithin(read, timeoutMs)) && ok;
  };
}

/** Points the Redis-backed gauges at these queues and this store. */
export function readGaugesFrom(
  metrics: Metrics,
  queues: readonly Queue[],
  store: RenewalStore,
  now: () => number,
): void {
  metrics.readFrom({
    async queues() {
      const rows = [];
      for (const q of queues) {
        const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
        for (const [state, value] of Object.entries(counts))
          rows.push({ labels: { queue: q.name, state }, value });
      }
      return rows;
    },
    async oldestAge() {
      const rows = [];
      for (const q of queues) {
        const [oldest] = await q.getJobs(['waiting'], 0, 0, true);
        rows.push({
          labels: { queue: q.name },
          value: oldest ? Math.max(0, (now() - oldest.timestamp) / 1000) : 0,
        });
      }
      return rows;
    },
    async pendingApprovals() {
      return [{ labels: {}, value: await store.pendingCount() }];
    },
  });
}

/** The operations listener (`METRICS_PORT`): `/metrics`, `/readyz` and `/healthz`, never `/slack/events`. */
export async function startOpsServer(options: {
  port: number;
  /** Address to bind (`METRICS_HOST`). */
  host: string;
  logger: Logger;
  now: () => number;
  health: () => Promise<boolean>;
  ready: () => Promise<boolean>;
  metrics: () => Promise<{ contentType: string; body: string }>;
}): Promise<{ port: number; address: string; close(): Promise<void> }> {
  const server = createHttpServer({
    slackListener: undefined,
    signingSecret: undefined,
    now: options.now,
    logger: options.logger,
    health: options.health,
    ready: options.ready,
    metrics: options.metrics,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    port: bound.port,
    address: bound.address,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
