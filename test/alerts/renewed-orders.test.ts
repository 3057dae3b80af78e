import { Job, Queue, QueueEvents } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { renewalJobId } from '../../src/jobs/queues.ts';
import { createRenewalStore } from '../../src/renewals/store.ts';
import { alertPosts, expiredPosts, requestThrough, startAlertHarness } from '../support/alert-harness.ts';
import { type AppHarness, approverId, blocksText, findButton, requesterId } from '../support/app-harness.ts';
import { testRedis } from '../support/redis.ts';

// Real time at the start: the app checks Slack signatures against this clock, and requests are signed now.
const start = Date.now();
let h: AppHarness | undefined;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
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

/** A Redis connection closed after the test. */
function ownConnection() {
  const redis = testRedis();
  cleanups.push(async () => redis.disconnect());
  return redis;
}

/** Resolves with what the request's renewal job returned (its final state) once it finished, all delivered. */
async function renewalJobFinished(harness: AppHarness, recordId: string, events: QueueEvents) {
  const queue = new Queue('renewals', { connection: ownConnection(), prefix: harness.prefix });
  cleanups.push(() => queue.close());
  const job = await Job.fromId(queue, renewalJobId(recordId));
  return job?.waitUntilFinished(events, 15_000);
}

describe('an expiry alert whose order gets renewed', () => {
  it('loses its Renew button (the alert is updated, naming the new order and its thread); other orders keep theirs', async () => {
    const started = await startAlertHarness(start, [5, 6]);
    h = started.harness;
    const [renewed = '', other = ''] = started.orders.map((o) => String(o.orderId));
    await h.worker?.alerts.runScan();
    const alert = alertPosts(h)[0];
    const alertTs = alert?.response.ts as string;
    await h.click('cert_renew', {
      user: requesterId,
      messageTs: alertTs,
      value: renewed,
      channel: 'C0ALERTS',
    });
    const card = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.args.text).startsWith('Certificate renewal request'),
    );
    const cardTs = card.response.ts as string;
    await h.waitForLog((e) => e.msg === 'renewal requested');
    const value = findButton(card.args.blocks, 'cert_approve')?.value;

    const events = new QueueEvents('renewals', { connection: ownConnection(), prefix: h.prefix });
    cleanups.push(() => events.close());
    await events.waitUntilReady();
    await h.click('cert_approve', { user: approverId, messageTs: cardTs, value, channel: 'C0ALERTS' });
    const update = await h.slack.waitForCall(
      (c) => c.method === 'chat.update' && c.args.ts === alertTs && c.response.ok === true,
      15_000,
    );

    const renewButtons = (
      update.args.blocks as Array<{ elements?: Array<{ action_id?: string; value?: string }> }>
    )
      .flatMap((b) => b.elements ?? [])
      .filter((e) => e.action_id === 'cert_renew')
      .map((e) => e.value);
    expect(renewButtons).toEqual([other]);
    const record = await createRenewalStore({ redis: h.app.redis, prefix: h.prefix }).findRenewal(renewed);
    const shown = blocksText(update.args.blocks);
    expect(record?.newOrderId).toBeDefined();
    expect(shown).toContain(`renewed-${renewed}`);
    expect(shown).toContain(`Renewed as order \`${record?.newOrderId}\``);
    expect(shown).toContain(`https://test.slack.com/archives/C0ALERTS/p${cardTs.replace('.', '')}`);
    // Updated once: the card's later refreshes (up to issued) find the alert already showing the renewal.
    expect(await renewalJobFinished(h, record?.id ?? '', events)).toBe('issued');
    expect(h.slack.calls.filter((c) => c.method === 'chat.update' && c.args.ts === alertTs)).toHaveLength(1);
    // Slack's copy of the alert is the updated one.
    expect(JSON.stringify(h.slack.message('C0ALERTS', alertTs)?.blocks)).not.toContain(
      `"value":"${renewed}"`,
    );
  });
});
