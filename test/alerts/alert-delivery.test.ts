import { afterEach, describe, expect, it } from 'vitest';
import { type AppHarness, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const day = 86_400_000;

function alertPosts(harness: AppHarness) {
  return harness.slack
    .okCalls('chat.postMessage')
    .filter((c) => c.args.channel === 'C0ALERTS' && c.args.thread_ts === undefined);
}

describe('an expiry alert Slack did not take', () => {
  it('is not claimed: the next scan posts it', async () => {
    const order = buildOrder({ certEndTime: Date.now() + 5 * day });
    h = await startAppHarness({
      worker: {},
      seed: { orders: [order] },
      env: { CERT_ALERT_CHANNEL: 'C0ALERTS' },
    });
    h.slack.addFault({ method: 'chat.postMessage', error: 'internal_error', when: { channel: 'C0ALERTS' } });

    const failed = await h.worker?.alerts.runScan();
    const retried = await h.worker?.alerts.runScan();
    const again = await h.worker?.alerts.runScan();

    expect(failed).toMatchObject({ alerted: 0 });
    expect(retried).toMatchObject({ alerted: 1 });
    expect(again).toMatchObject({ alerted: 0 });
    expect(alertPosts(h)).toHaveLength(1);
    expect(JSON.stringify(alertPosts(h)[0]?.args.blocks)).toContain(String(order.orderId));
  });

  it('keeps a threshold alerted before: a failed post of a tighter one is retried, the looser one not re-posted', async () => {
    let now = Date.now();
    const order = buildOrder({ certEndTime: now + 20 * day });
    h = await startAppHarness({
      worker: {},
      seed: { orders: [order] },
      env: { CERT_ALERT_CHANNEL: 'C0ALERTS' },
      now: () => now,
    });
    await h.worker?.alerts.runScan();
    now += 8 * day;
    h.slack.addFault({ method: 'chat.postMessage', error: 'internal_error', when: { channel: 'C0ALERTS' } });

    const failed = await h.worker?.alerts.runScan();
    const retried = await h.worker?.alerts.runScan();

    expect(failed).toMatchObject({ alerted: 0 });
    expect(retried).toMatchObject({ alerted: 1 });
    expect(await h.app.redis.hget(`${h.prefix}:alert:${order.orderId}`, 'threshold')).toBe('14');
    expect(alertPosts(h)).toHaveLength(2);
  });

  it('every alert key expires: the alert hash 90 days after the end date, the snooze audit after 90 days', async () => {
    const order = buildOrder({ certEndTime: Date.now() + 5 * day });
    h = await startAppHarness({
      worker: {},
      seed: { orders: [order] },
      env: { CERT_ALERT_CHANNEL: 'C0ALERTS' },
    });

    await h.worker?.alerts.runScan();

    const ttl = await h.app.redis.pttl(`${h.prefix}:alert:${order.orderId}`);
    expect(ttl).toBeGreaterThan(94 * day);
    expect(ttl).toBeLessThanOrEqual(95 * day + 60_000);
  });
});
