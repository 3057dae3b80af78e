import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { createAlertService } from '../src/alerts/alert-service.ts';
import { createAlertState } from '../src/alerts/alert-state.ts';
import { createCasClient } from '../src/cas/client.ts';
import { casRateLimits, createRedisPacer, type Pace } from '../src/cas/pacer.ts';
import type { SimSeed } from '../src/cas-sim/seed.ts';
import { silentLogger } from '../src/logger.ts';
import { createRenewalStore } from '../src/renewals/store.ts';
import { createAlertPoster } from '../src/slack/alert-poster.ts';
import { createSlackStandIn } from '../src/slack-standin/server.ts';
import { startCasSim } from '../test/support/cas.ts';
import { testCredentials } from '../test/support/secrets.ts';
import { round } from './stats.ts';

const day = 86_400_000;

/** One expiry scan of `seed` against the simulator enforcing CAS's 10 calls/s per listing action; the calls made. */
async function timedScan(redisUrl: string, seed: SimSeed, pacer?: () => Pace) {
  const cas = await startCasSim({ ...seed, qps: { ListUserCertificateOrder: 10, ListInstances: 10 } });
  const slack = createSlackStandIn({ botToken: 'xoxb-bench' });
  await slack.listen();
  const redis = new Redis(redisUrl);
  const prefix = `bench-scan-${Date.now()}`;
  const client = createCasClient({
    endpoint: cas.url,
    credentials: () => testCredentials,
    pace: pacer?.() ?? createRedisPacer({ redis, prefix, limits: casRateLimits }),
  });
  const alerts = createAlertService({
    cas: client,
    state: createAlertState({ redis, prefix, now: Date.now }),
    store: createRenewalStore({ redis, prefix }),
    post: createAlertPoster({
      slack: new WebClient('xoxb-bench', { slackApiUrl: slack.apiUrl }),
      logger: silentLogger,
    }),
    logger: silentLogger,
    now: Date.now,
    alerts: { days: [30, 14, 7, 3, 1], lifetimePercent: [33, 15, 5], channel: 'C0ALERTS', routes: [] },
  });
  const started = performance.now();
  const summary = await alerts.runScan();
  const seconds = (performance.now() - started) / 1000;
  const calls = (action: string) => cas.sim.calls.filter((c) => c.action === action);
  redis.disconnect();
  await slack.close();
  await cas.close();
  return { summary, seconds, calls };
}

/** The expiry scan of a 10,000-order account against CAS's 10 calls/s (enforced by the simulator). */
export async function benchScan(
  redisUrl: string,
  n = 10_000,
  /** Another pacer to measure (bench/scan-pacers.ts); the bot's own by default. */
  pacer?: () => Pace,
) {
  const orders = Array.from({ length: n }, (_, i) => ({
    orderId: String(600_000_000 + i),
    domain: `s${i}.example.com`,
    status: 'ISSUED' as const,
    certEndTime: Date.now() + 200 * day,
  }));
  const { summary, seconds, calls } = await timedScan(redisUrl, { orders }, pacer);
  const lists = calls('ListUserCertificateOrder');
  // 50 a page: the documented page size (ShowSize above 50 is undocumented).
  const minimumCalls = Math.ceil(n / 50) + 1;
  // At 10 calls per second in any one-second window, N calls need at least (N - 10) / 10 seconds.
  const minimumSeconds = (minimumCalls - 10) / 10;
  return {
    name: `expiry scan of ${n} orders at CAS's 10 calls/s`,
    scanned: summary.scanned,
    seconds: round(seconds, 2),
    minimumSeconds: round(minimumSeconds, 2),
    timeRatio: round(seconds / minimumSeconds, 2),
    calls: lists.length,
    minimumCalls,
    throttled: lists.filter((c) => c.outcome === 'Throttling.User').length,
  };
}

/**
 * The expiry scan of an account of `n` V2.0 subscription instances (no V1 orders) against 10 ListInstances calls/s
 * (none is documented; the pacer holds ListInstances to the V1 listing's rate) and 100 rows a page. Each instance's
 * certificate is a year long with 200 days left, so the scan reads every page and alerts nothing.
 */
export async function benchScanV2(redisUrl: string, n = 10_000, pacer?: () => Pace) {
  const now = Date.now();
  const subscriptions = Array.from({ length: n }, (_, i) => ({
    instanceId: `cas-bench-${i}`,
    domain: `v${i}.example.com`,
    orderEndTime: now + 700 * day,
    certificates: [{ notBefore: now - 165 * day, notAfter: now + 200 * day }],
  }));
  const { summary, seconds, calls } = await timedScan(redisUrl, { subscriptions }, pacer);
  const lists = calls('ListInstances');
  // Paging ends when TotalCount rows are seen: one call a full page of 100.
  const minimumCalls = Math.ceil(n / 100);
  const minimumSeconds = Math.max(0, (minimumCalls - 10) / 10);
  return {
    name: `expiry scan of ${n} V2 instances at 10 ListInstances calls/s`,
    instances: summary.instances,
    seconds: round(seconds, 2),
    minimumSeconds: round(minimumSeconds, 2),
    timeRatio: minimumSeconds > 0 ? round(seconds / minimumSeconds, 2) : undefined,
    calls: lists.length,
    minimumCalls,
    throttled: lists.filter((c) => c.outcome === 'Throttling.User').length,
    v1Calls: calls('ListUserCertificateOrder').length,
  };
}
