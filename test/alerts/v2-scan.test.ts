import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alertPointsMs } from '../../src/alerts/lifetime.ts';
import { casRateLimits, createRedisPacer } from '../../src/cas/pacer.ts';
import { buildOrder } from '../support/cas.ts';
import { deleteKeysWithPrefix, testRedis, uniquePrefix } from '../support/redis.ts';
import { day, startV2Scan, subscription } from '../support/v2-scan.ts';

// Real time: Redis expires alert bookkeeping on the real clock (end date + retention).
const start = Date.now();
let redis: Redis;
const cleanups: Array<() => Promise<void>> = [];
beforeAll(() => {
  redis = testRedis();
});
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
afterAll(() => redis.disconnect());

async function started(...args: Parameters<typeof startV2Scan> extends [Redis, ...infer R] ? R : never) {
  const s = await startV2Scan(redis, ...args);
  cleanups.push(async () => {
    await s.cas.close();
    await deleteKeysWithPrefix(redis, s.prefix);
  });
  return s;
}

/** The account of the scenario: one instance of each case, and a V1 order. */
function scenario() {
  return {
    orders: [
      buildOrder({
        orderId: '700000001',
        domain: 'v1.example.com',
        certEndTime: start + 5 * day + 3_600_000,
      }),
    ],
    subscriptions: [
      // A 365-day certificate with 100 days left (27% of its lifetime): past the 33% threshold.
      subscription('cas-long', start, { lifetimeDays: 365, daysLeft: 100 }),
      // A 365-day certificate with 200 days left: plenty.
      subscription('cas-plenty', start, { lifetimeDays: 365, daysLeft: 200 }),
      // The subscription itself ends in 10 days; its certificate has 80 of 100 days left.
      subscription(
        'cas-subend',
        start,
        { lifetimeDays: 100, daysLeft: 80 },
        { orderEndTime: start + 10 * day },
      ),
      // Refunded, with a certificate 2 days from its end.
      subscription('cas-refund', start, { lifetimeDays: 90, daysLeft: 2 }, { ended: 'refund' }),
      // Hosted; CAS hosting applied 30 days before the end and failed: 10 days left, no newer certificate.
      subscription(
        'cas-hosted-stuck',
        start,
        { lifetimeDays: 90, daysLeft: 10 },
        { autoReissue: true, applyOutcomes: [{ task: 'failed', message: 'DNS not on Alibaba Cloud DNS' }] },
      ),
      // Hosted, failed the same way, 20 days left: hosting may still make it; never a "renew" alert.
      subscription(
        'cas-hosted-quiet',
        start,
        { lifetimeDays: 90, daysLeft: 20 },
        { autoReissue: true, applyOutcomes: [{ task: 'failed' }] },
      ),
      // Hosted and rotated by CAS 20 days ago: its new certificate has months left.
      subscription('cas-hosted-ok', start, { lifetimeDays: 90, daysLeft: 10 }, { autoReissue: true }),
      // Paid for, never applied for.
      { instanceId: 'cas-unused', domain: 'unused.example.com', orderStartTime: start - 40 * day },
      // An application under way since an hour ago (the CA takes 10 days here).
      {
        instanceId: 'cas-applying',
        domain: 'applying.example.com',
        orderStartTime: start - 5 * day,
        appliedAt: start - 3_600_000,
      },
    ],
    subscriptionApi: { issueMs: 10 * day },
  };
}

describe('the expiry scan covers V2.0 subscriptions', () => {
  it('one scan: lifetime thresholds, a subscription notice, refunds ignored, hosting that failed, stuck and unused in the summary', async () => {
    const s = await started(start, scenario());

    const summary = await s.scan.runScan();

    const certs = s.certificates();
    expect(certs.map((c) => [c.instanceId, c.hosted])).toEqual([
      ['cas-hosted-stuck', true],
      ['cas-long', false],
    ]);
    expect(certs.find((c) => c.instanceId === 'cas-long')).toMatchObject({ daysLeft: 100, percentLeft: 27 });
    expect(s.subscriptions()).toEqual([
      expect.objectContaining({ instanceId: 'cas-subend', daysLeft: 10, threshold: 14 }),
    ]);
    const alertedIds = JSON.stringify(s.posted);
    for (const quiet of ['cas-plenty', 'cas-refund', 'cas-hosted-quiet', 'cas-hosted-ok'])
      expect(alertedIds).not.toContain(quiet);
    // V1 orders as before, in the same scan.
    expect(s.posted[0]).toMatchObject({
      kind: 'expiry',
      expiring: [expect.objectContaining({ orderId: '700000001' })],
    });
    // Why hosting may have stopped: the quota CAS reports (10, less the three hosted applications), asked once.
    expect(s.posted.find((a) => a.kind === 'expiry' && a.certificates?.some((c) => c.hosted))).toMatchObject({
      hostingQuotaLeft: 7,
    });
    expect(s.cas.sim.calls.filter((c) => c.action === 'GetInstanceSummary')).toHaveLength(1);
    expect(summary).toMatchObject({
      scanned: 1,
      instances: 9,
      alerted: 3,
      hostingOverdue: 1,
      subscriptions: 1,
      endedInstances: 1,
      inactive: { count: 1, first: [{ instanceId: 'cas-unused', domain: 'unused.example.com' }] },
      stuckPending: { count: 0, first: [] },
    });
  });

  it('a subscription notice is sent once per threshold: not again on the next scan, again at the next threshold', async () => {
    const s = await started(start, scenario());

    await s.scan.runScan();
    const again = await s.scan.runScan();
    s.advance(4);
    const nextThreshold = await s.scan.runScan();

    expect([again.subscriptions, nextThreshold.subscriptions]).toEqual([0, 1]);
    expect(s.subscriptions().map((x) => [x.instanceId, x.threshold])).toEqual([
      ['cas-subend', 14],
      ['cas-subend', 7],
    ]);
  });

  it('an application pending for more than 3 days is reported by a later scan; the first one cannot know', async () => {
    const s = await started(start, scenario());

    const first = await s.scan.runScan();
    s.advance(3);
    const threeDays = await s.scan.runScan();
    s.advance(1);
    const later = await s.scan.runScan();

    expect(first.stuckPending.count).toBe(0);
    expect(threeDays.stuckPending.count).toBe(0);
    expect(later.stuckPending).toEqual({
      count: 1,
      first: [{ instanceId: 'cas-applying', domain: 'applying.example.com', since: start }],
    });
  });

  it('thresholds come from the certificate’s own lifetime: with 40 days left, a 365-day one alerts, a 90-day one does not', async () => {
    const s = await started(start, {
      subscriptions: [
        subscription('cas-year', start, { lifetimeDays: 365, daysLeft: 40 }),
        subscription('cas-quarter', start, { lifetimeDays: 90, daysLeft: 40 }),
      ],
    });

    await s.scan.runScan();
    s.advance(11);
    await s.scan.runScan();

    // The year: 15% of 365 days (54.75) is crossed at 40 days left. The quarter: 30 days (above its 33%, 29.7 days).
    expect(s.certificates().map((c) => [c.instanceId, c.daysLeft, Math.round(c.thresholdMs / day)])).toEqual([
      ['cas-year', 40, 55],
      ['cas-quarter', 29, 30],
    ]);
    expect(alertPointsMs({ days: [30, 14, 7, 3, 1], lifetimePercent: [33, 15, 5] }, 0, 90 * day)).toEqual(
      [30, 14, 7, 3, 1].map((d) => d * day),
    );
  });

  it('an alerted V2 certificate that expires gets one final alert; one rotated since is forgotten instead', async () => {
    const s = await started(start, {
      subscriptions: [
        subscription('cas-lapsing', start, { lifetimeDays: 90, daysLeft: 2 }),
        subscription('cas-rotating', start, { lifetimeDays: 90, daysLeft: 2 }, { appliedAt: start }),
      ],
      subscriptionApi: { issueMs: day },
    });

    await s.scan.runScan();
    s.advance(3);
    const after = await s.scan.runScan();
    await s.scan.runScan();

    expect(s.certificates().map((c) => c.instanceId)).toEqual(['cas-lapsing', 'cas-rotating']);
    expect(after.expired).toBe(1);
    expect(s.expired().map((e) => e.orderId)).toEqual(['cas-lapsing']);
  });
});

describe('V1 and V2 side by side', () => {
  it('an instance ListInstances also lists for a V1 plan order is alerted once, as the order', async () => {
    const s = await started(start, {
      orders: [
        buildOrder({
          orderId: '700000003',
          instanceId: 'cas-ivauto-700000003',
          certEndTime: start + 5 * day,
        }),
      ],
      subscriptions: [subscription('cas-ivauto-700000003', start, { lifetimeDays: 365, daysLeft: 5 })],
    });

    const summary = await s.scan.runScan();

    expect(s.certificates()).toEqual([]);
    expect(s.posted[0]).toMatchObject({ expiring: [expect.objectContaining({ orderId: '700000003' })] });
    expect(summary).toMatchObject({ alerted: 1, instances: 0 });
  });
});

describe('pacing of the V2 listing', () => {
  it('pages 2,000 instances 100 a page while another process lists too: together within 10 calls a second, none throttled', async () => {
    const subs = Array.from({ length: 2_000 }, (_, i) =>
      subscription(`cas-bulk-${i}`, Date.now(), { lifetimeDays: 365, daysLeft: 300 }),
    );
    const pacerRedis = testRedis();
    const otherRedis = testRedis();
    cleanups.push(async () => {
      pacerRedis.disconnect();
      otherRedis.disconnect();
    });
    const pacePrefix = uniquePrefix('v2pace');
    const pacer = (r: Redis) => createRedisPacer({ redis: r, prefix: pacePrefix, limits: casRateLimits });
    const s = await started(
      Date.now(),
      { subscriptions: subs, qps: { ListUserCertificateOrder: 10, ListInstances: 10 } },
      { pace: pacer(pacerRedis), realClock: true },
    );
    cleanups.push(async () => {
      await deleteKeysWithPrefix(redis, pacePrefix);
    });
    // Another process (its own connection, the same window) reads 20 pages at once meanwhile: `/cert list`, say.
    const other = s.cas.client({ pace: pacer(otherRedis) });

    const [summary] = await Promise.all([
      s.scan.runScan(),
      Promise.all(
        Array.from({ length: 20 }, (_, i) => other.listInstances({ currentPage: i + 1, showSize: 10 })),
      ),
    ]);

    const lists = s.cas.sim.calls.filter((c) => c.action === 'ListInstances');
    expect(summary.instances).toBe(2_000);
    expect(lists.map((c) => c.outcome).filter(Boolean)).toEqual([]);
    expect(lists.filter((c) => c.params.ShowSize === '100')).toHaveLength(20);
    expect(lists).toHaveLength(40);
    const busiest = Math.max(
      ...lists.map((c) => lists.filter((d) => d.at >= c.at && d.at < c.at + 1000).length),
    );
    expect(busiest).toBeLessThanOrEqual(10);
  });
});
