import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { clipMrkdwn, escapeMrkdwn } from '../../src/slack/mrkdwn.ts';
import { type AppHarness, approverId, channelId, openCard, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const unescapeMrkdwn = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('text from outside is data, never markup', () => {
  it('a CAS error message that tries to ping the channel is shown escaped, once, in the thread and on the card', async () => {
    const order = buildOrder({ domain: 'shop.example.com' });
    h = await startAppHarness({ worker: {}, seed: { orders: [order] } });
    const harness = h;
    harness.cas.sim.faults.add({
      action: 'RenewCertificateOrderForPackageRequest',
      fault: {
        kind: 'error',
        status: 400,
        code: 'Invalid<!here>',
        message: 'Order <!channel> & <@U0BOSS|boss>',
      },
    });
    const card = await openCard(harness, String(order.orderId));

    await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    const failed = await harness.slack.waitForCall(
      (c) => c.args.thread_ts === card.ts && /Renewal failed/.test(String(c.args.text)),
    );
    const cardUpdate = await harness.slack.waitForCall(
      (c) => c.method === 'chat.update' && JSON.stringify(c.args.blocks).includes('Failed'),
    );

    expect(String(failed.args.text)).toContain(
      '`Invalid&lt;!here&gt;` Order &lt;!channel&gt; &amp; &lt;@U0BOSS|boss&gt;',
    );
    expect(JSON.stringify(cardUpdate.args.blocks)).toContain(
      'Order &lt;!channel&gt; &amp; &lt;@U0BOSS|boss&gt;',
    );
    const everything = JSON.stringify(
      harness.slack.calls.filter((c) => c.args.channel === channelId).map((c) => c.args),
    );
    expect(everything).not.toMatch(/<!channel>|<!here>|<@U0BOSS/);
    expect(everything).not.toContain('&amp;lt;');
  });
});

describe('clipMrkdwn', () => {
  it('never cuts an entity or a Slack token, and keeps within the limit', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', '&', '<', '>', ' ', 'é') }),
        fc.integer({ min: 2, max: 40 }),
        (raw, max) => {
          const escaped = `${escapeMrkdwn(raw)} <@U0ABC> <!date^1^{time}|x>`;

          const clipped = clipMrkdwn(escaped, max);

          expect(clipped.length).toBeLessThanOrEqual(max);
          const body = clipped.endsWith('…') && escaped.length > max ? clipped.slice(0, -1) : clipped;
          expect(body).not.toMatch(/&[a-z]*$/);
          expect(body.lastIndexOf('<')).toBeLessThanOrEqual(body.lastIndexOf('>'));
          expect(escaped.startsWith(body)).toBe(true);
          expect(unescapeMrkdwn(escaped).startsWith(unescapeMrkdwn(body))).toBe(true);
        },
      ),
    );
  });
});
