import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertService } from '../../src/alerts/alert-service.ts';
import { type AlertState, createAlertState } from '../../src/alerts/alert-state.ts';
import { silentLogger } from '../../src/logger.ts';
import { createRenewalStore } from '../../src/renewals/store.ts';
import { createAlertPoster } from '../../src/slack/alert-poster.ts';
import { alertPosts, expiredPosts, startAlertHarness } from '../support/alert-harness.ts';
import type { AppHarness } from '../support/app-harness.ts';
import { testRedis } from '../support/redis.ts';
import { testBotToken } from '../support/slack-payloads.ts';

// Real time at the start: the app checks Slack signatures against this clock.
const start = Date.now();
let h: AppHarness | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await h?.stop();
  h = undefined;
});

/** A scan of its own (as another worker process runs it) over `state`, against the harness's CAS and Slack. */
function scanWith(harness: AppHarness, state: AlertState) {
  return createAlertService({
    cas: harness.cas.client(),
    state,
    store: createRenewalStore({ redis: harness.app.redis, prefix: harness.prefix }),
    post: createAlertPoster({
      slack: new WebClient(testBotToken, { slackApiUrl: `${harness.slack.apiUrl}/` }),
      logger: silentLogger,
      sleep: async () => {},
    }),
    logger: silentLogger,
    now: () => Date.now(),
    alerts: harness.config.alerts,
  });
}

/** Alert state on a Redis connection of its own, which the test can cut as a crash or a failover would. */
function ownState(harness: AppHarness, now: () => number) {
  const redis = testRedis();
  cleanups.push(() => redis.disconnect());
  return { redis, state: createAlertState({ redis, prefix: harness.prefix, now }) };
}

const orderIdsIn = (post: { args: { blocks?: unknown } } | undefined) =>
  JSON.stringify(post?.args.blocks ?? []);

describe('expiry alert claims are completed or given back', () => {
  it('the final "expired" alert Slack did not take is posted by the next scan', async () => {
    const started = await startAlertHarness(start, [2]);
    h = started.harness;
    await h.worker?.alerts.runScan();
    started.advance(3);
    h.slack.addFault({ method: 'chat.postMessage', error: 'internal_error', when: { channel: 'C0ALERTS' } });

    const failed = await h.worker?.alerts.runScan();
    const retried = await h.worker?.alerts.runScan();
    const again = await h.worker?.alerts.runScan();

    expect(failed).toMatchObject({ expired: 0 });
    expect(retried).toMatchObject({ expired: 1 });
    expect(again).toMatchObject({ expired: 0 });
    expect(expiredPosts(h)).toHaveLength(1);
    expect(orderIdsIn(expiredPosts(h)[0])).toContain(String(started.orders[0]?.orderId));
  });

  /** A scan whose Redis fails (`fail`) when it looks at the second order, after it claimed the first one. */
  async function scanFailingHalfWay(harness: AppHarness, fail: (redis: Redis) => Promise<unknown>) {
    const { redis, state } = ownState(harness, () => Date.now());
    let looked = 0;
    const failing: AlertState = {
      ...state,
      isSnoozed: async (orderId) => {
        looked += 1;
        if (looked === 2) await fail(redis);
        return state.isSnoozed(orderId);
      },
    };
    await expect(scanWith(harness, failing).runScan()).rejects.toBeDefined();
    expect(looked).toBe(2);
  }

  it('a Redis error half-way through a scan gives back the claims it made: the next scan alerts them', async () => {
    const started = await startAlertHarness(start, [5, 6]);
    h = started.harness;
    // A real error reply from Redis (as while it loads its data after a restart); the connection stays up.
    await scanFailingHalfWay(h, (redis) =>
      redis.eval("return redis.error_reply('LOADING Redis is loading')", 0),
    );

    const next = await h.worker?.alerts.runScan();

    expect(next).toMatchObject({ expiring: 2, alerted: 2 });
    expect(alertPosts(h)).toHaveLength(1);
    for (const order of started.orders) expect(orderIdsIn(alertPosts(h)[0])).toContain(String(order.orderId));
    expect(await h.app.redis.zcard(`${h.prefix}:alert-leases`)).toBe(0);
  });

  it('a scan that lost its Redis connection half-way: its claim is given back by a later scan once its lease ran out', async () => {
    const started = await startAlertHarness(start, [5, 6]);
    h = started.harness;
    const [first, second] = started.orders.map((o) => String(o.orderId));
    await scanFailingHalfWay(h, async (redis) => redis.disconnect());

    const meanwhile = await h.worker?.alerts.runScan();
    started.advance(1);
    const nextDay = await h.worker?.alerts.runScan();

    expect(meanwhile).toMatchObject({ alerted: 1 });
    expect(nextDay).toMatchObject({ alerted: 1 });
    const [one, two] = alertPosts(h).map(orderIdsIn);
    expect(one).toContain(String(second));
    expect(one).not.toContain(String(first));
    expect(two).toContain(String(first));
  });

  it('claims of a scan that died are not taken while it may still post, and are alerted once their lease ran out', async () => {
    const started = await startAlertHarness(start, [5]);
    h = started.harness;
    const [order] = started.orders;
    const { redis, state } = ownState(h, () => start);
    // A scan claimed the order's alert, then its process was gone before posting.
    const claim = await state.claimThreshold(
      {
        orderId: String(order?.orderId),
        domain: String(order?.domain),
        productName: '',
        certEndTime: Number(order?.certEndTime),
      },
      7,
    );
    redis.disconnect();

    const meanwhile = await h.worker?.alerts.runScan();
    started.advance(1);
    const nextDay = await h.worker?.alerts.runScan();
    const after = await h.worker?.alerts.runScan();

    expect(claim).toBeDefined();
    expect(meanwhile).toMatchObject({ expiring: 1, alerted: 0 });
    expect(nextDay).toMatchObject({ alerted: 1 });
    expect(after).toMatchObject({ alerted: 0 });
    expect(alertPosts(h)).toHaveLength(1);
    expect(await h.app.redis.zcard(`${h.prefix}:alert-leases`)).toBe(0);
  });

  it('the final alert claimed by a scan that died is posted once its lease ran out', async () => {
    const started = await startAlertHarness(start, [2]);
    h = started.harness;
    const orderId = String(started.orders[0]?.orderId);
    await h.worker?.alerts.runScan();
    started.advance(3);
    const { redis, state } = ownState(h, () => start + 3 * 86_400_000);
    expect(await state.claimExpired(orderId)).toBeDefined();
    redis.disconnect();

    const meanwhile = await h.worker?.alerts.runScan();
    started.advance(1);
    const nextDay = await h.worker?.alerts.runScan();

    expect(meanwhile).toMatchObject({ expired: 0 });
    expect(nextDay).toMatchObject({ expired: 1 });
    expect(expiredPosts(h)).toHaveLength(1);
  });
});
