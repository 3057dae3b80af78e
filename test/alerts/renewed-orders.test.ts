import { afterEach, describe, expect, it } from 'vitest';
import { alertPosts, expiredPosts, requestThrough, startAlertHarness } from '../support/alert-harness.ts';
import type { AppHarness } from '../support/app-harness.ts';

// Real time at the start: the app checks Slack signatures against this clock, and requests are signed now.
const start = Date.now();
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('an order closed as "renewed as order N" by a person', () => {
  it('gets no more expiry alerts, and no "expired without a renewal" alert', async () => {
    const started = await startAlertHarness(start, [2]);
    h = started.harness;
    const orderId = String(started.orders[0]?.orderId);
    await h.worker?.alerts.runScan();
    await requestThrough(h, orderId, ['approved', 'submitting', 'needs_attention', 'resolved_renewed']);

    started.advance(1);
    const nextDay = await h.worker?.alerts.runScan();
    started.advance(3);
    const pastEnd = await h.worker?.alerts.runScan();

    expect(nextDay).toMatchObject({ alerted: 0, expired: 0 });
    expect(pastEnd).toMatchObject({ alerted: 0, expired: 0 });
    expect(alertPosts(h)).toHaveLength(1);
    expect(expiredPosts(h)).toHaveLength(0);
    expect(await h.app.redis.exists(`${h.prefix}:alert:${orderId}`)).toBe(0);
  });

  it('stays renewed when a later request of the order is rejected', async () => {
    const started = await startAlertHarness(start, [2]);
    h = started.harness;
    const orderId = String(started.orders[0]?.orderId);
    await h.worker?.alerts.runScan();
    await requestThrough(h, orderId, ['approved', 'submitting', 'needs_attention', 'resolved_renewed']);
    await requestThrough(h, orderId, ['rejected']);

    started.advance(4);
    const pastEnd = await h.worker?.alerts.runScan();

    expect(pastEnd).toMatchObject({ alerted: 0, expired: 0 });
    expect(expiredPosts(h)).toHaveLength(0);
  });

  it('an order closed as not renewed goes on being alerted, and gets its final alert', async () => {
    const started = await startAlertHarness(start, [2]);
    h = started.harness;
    const orderId = String(started.orders[0]?.orderId);
    await h.worker?.alerts.runScan();
    await requestThrough(h, orderId, ['approved', 'submitting', 'needs_attention', 'resolved']);

    started.advance(1);
    const nextDay = await h.worker?.alerts.runScan();
    started.advance(3);
    const pastEnd = await h.worker?.alerts.runScan();

    expect(nextDay).toMatchObject({ alerted: 1 });
    expect(pastEnd).toMatchObject({ expired: 1 });
    expect(expiredPosts(h)).toHaveLength(1);
  });
});
