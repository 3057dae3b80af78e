import { afterEach, describe, expect, it } from 'vitest';
import { type AppHarness, approverId, channelId, openCard, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const ending = /Renewal issued|Renewal failed|Needs attention/;

describe('storms', () => {
  it('CAS throttling, 5xx and timeouts, and Slack 429s and channel errors: every renewal ends, none is renewed twice', async () => {
    const orders = Array.from({ length: 10 }, () =>
      buildOrder({ renewScript: [{ type: 'payed' }, { type: 'domain_verify' }, { type: 'certificate' }] }),
    );
    h = await startAppHarness({
      seed: {
        orders,
        packages: [{ productCode: 'digicert-dv-1-plan', totalCount: 100, usedCount: 0 }],
        qps: {},
      },
      worker: { pollMinMs: 20, pollMaxMs: 20, submitRetryBaseMs: 20 },
    });
    const harness = h;
    const cards = [];
    for (const order of orders) cards.push(await openCard(harness, String(order.orderId)));
    const sim = harness.cas.sim;
    sim.faults.add({
      action: 'RenewCertificateOrderForPackageRequest',
      fault: { kind: 'throttle' },
      times: 6,
    });
    sim.faults.add({ action: 'DescribeCertificateState', fault: { kind: 'server-error' }, times: 8 });
    sim.faults.add({ action: 'DescribeCertificateState', fault: { kind: 'slow', delayMs: 1_500 }, times: 3 });
    sim.faults.add({ action: 'DescribeCertificateState', fault: { kind: 'throttle' }, times: 8 });
    harness.slack.addFault({ method: 'chat.postMessage', retryAfter: 1, times: 4 });
    harness.slack.addFault({ method: 'chat.update', error: 'channel_not_found', times: 2 });

    for (const card of cards)
      await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    const endings = await Promise.all(
      cards.map((card) =>
        harness.slack.waitForCall(
          (c) => c.args.thread_ts === card.ts && ending.test(String(c.args.text)),
          60_000,
        ),
      ),
    );

    expect(endings.every((e) => String(e.args.text).includes('Renewal issued'))).toBe(true);
    for (const order of orders) {
      expect(
        [...sim.store.orders.values()].filter((o) => o.renewedFrom === String(order.orderId)),
      ).toHaveLength(1);
    }
    expect(harness.slack.calls.filter((c) => c.status === 429)).toHaveLength(4);
    for (const card of cards) {
      const thread = harness.slack.thread(channelId, card.ts).map((m) => m.text.split(' ')[0]);
      expect(thread[0]).toBe(':inbox_tray:');
      expect(thread.at(-1)).toBe(':white_check_mark:');
    }
  }, 90_000);

  it('a channel the bot was removed from mid-renewal: messages are dropped (logged), the renewal still completes', async () => {
    const order = buildOrder({ renewScript: [{ type: 'payed' }, { type: 'certificate' }] });
    h = await startAppHarness({ seed: { orders: [order] }, worker: {} });
    const card = await openCard(h, String(order.orderId));
    h.slack.setChannelError(channelId, 'not_in_channel');

    await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    await h.waitForLog((e) => e.msg === 'renewal issued', 15_000);
    await h.waitForLog(
      (e) =>
        e.msg === 'outbox item dropped: Slack refused it permanently' && e.slackError === 'not_in_channel',
    );

    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('issued');
    expect(h.cas.sim.renewCount()).toBe(1);
  });
});
