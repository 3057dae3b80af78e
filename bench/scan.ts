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

/**
 * One expiry scan of `seed` against the simulator enforcing 10 calls/s per listing action (ListUserCertificateOrder's
 * documented rate, and the pacer's for ListInstances, which documents none); the calls made.
 */
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
  // Every CAS call by action: a scan should make nothing but its listings (no per-instance reads).
  const byAction: Record<string, number> = {};
  for (const c of cas.sim.calls) byAction[c.action] = (byAction[c.action] ?? 0) + 1;
  redis.disconnect();
  await slack.close();
  await cas.close();
  return { summary, seconds, calls, byAction };
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

/** The least time `calls` calls need at `perSecond` in any one-second window: the first `perSecond` go at once. */
const minimumSecondsFor = (calls: number, perSecond = 10) => Math.max(0, (calls - perSecond) / perSecond);

/**
 * The expiry scan of one account holding `n` V1 plan orders and `n` V2.0 subscription instances, against the
 * simulator enforcing 10 calls/s per listing action. Alibaba documents its rate limits per API operation (a quota is
 * "the maximum number of calls allowed for a specific OpenAPI operation", help.aliyun.com/en/openapi/
 * throttling-and-quota-management): ListUserCertificateOrder has its own 10/s, and ListInstances documents none
 * (the pacer holds it to 10/s too), so the two listings do not share a budget and the least time is that of the
 * slower listing, both running side by side. The shared-budget figure is reported beside it.
 */
export async function benchScanMixed(redisUrl: string, n = 10_000, pacer?: () => Pace) {
  const now = Date.now();
  const orders = Array.from({ length: n }, (_, i) => ({
    orderId: String(700_000_000 + i),
    domain: `m${i}.example.com`,
    status: 'ISSUED' as const,
    certEndTime: now + 200 * day,
  }));
  const subscriptions = Array.from({ length: n }, (_, i) => ({
    instanceId: `cas-mixed-${i}`,
    domain: `w${i}.example.com`,
    orderEndTime: now + 700 * day,
    certificates: [{ notBefore: now - 165 * day, notAfter: now + 200 * day }],
  }));
  const { summary, seconds, calls, byAction } = await timedScan(redisUrl, { orders, subscriptions }, pacer);
  const v1 = calls('ListUserCertificateOrder');
  const v2 = calls('ListInstances');
  // V1: 50 a page (the documented size) through ISSUED, plus the one page of WILLEXPIRED; V2: 100 a page.
  const minimumV1Calls = Math.ceil(n / 50) + 1;
  const minimumV2Calls = Math.ceil(n / 100);
  const minimumSeconds = Math.max(minimumSecondsFor(minimumV1Calls), minimumSecondsFor(minimumV2Calls));
  const sharedMinimumSeconds = minimumSecondsFor(minimumV1Calls + minimumV2Calls);
  return {
    name: `expiry scan of ${n} V1 orders + ${n} V2 instances at 10 calls/s per listing`,
    scanned: summary.scanned,
    instances: summary.instances,
    seconds: round(seconds, 2),
    minimumSeconds: round(minimumSeconds, 2),
    timeRatio: round(seconds / minimumSeconds, 2),
    sharedMinimumSeconds: round(sharedMinimumSeconds, 2),
    sharedTimeRatio: round(seconds / sharedMinimumSeconds, 2),
    v1Calls: v1.length,
    v2Calls: v2.length,
    minimumV1Calls,
    minimumV2Calls,
    callsByAction: byAction,
    throttled: [...v1, ...v2].filter((c) => c.outcome === 'Throttling.User').length,
  };
}
