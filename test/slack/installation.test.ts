import { afterEach, describe, expect, it } from 'vitest';
import { refusalTexts } from '../../src/slack/installation-guard.ts';
import {
  type AppHarness,
  approverId,
  channelId,
  openCard,
  renewalRecordKeys,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { blockActionBody } from '../support/slack-payloads.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** A signed button payload as another workspace or app would send it. */
function foreignClick(harness: AppHarness, card: { ts: string; value: string | undefined }, change: object) {
  const form = new URLSearchParams(
    blockActionBody({
      actionId: 'cert_approve',
      value: card.value,
      userId: approverId,
      channelId,
      messageTs: card.ts,
      responseUrl: harness.slack.responseUrl(),
    }),
  );
  const payload = { ...(JSON.parse(form.get('payload') as string) as object), ...change };
  return harness.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}

describe('payloads from another installation', () => {
  it.each([
    ['another workspace', { team_id: 'T0OTHER' }],
    ['an Enterprise Grid org the bot is not installed in', { enterprise_id: 'E0OTHER' }],
  ])('a /cert renew from %s is acked with a private word and creates nothing', async (_label, override) => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] } });

    const ack = await h.command(`renew ${order.orderId}`, undefined, override);

    expect(ack.json).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('not installed'),
    });
    expect(await renewalRecordKeys(h)).toEqual([]);
    expect(h.slack.calls.filter((c) => c.method === 'chat.postMessage')).toEqual([]);
  });

  it.each([
    ['another app', { api_app_id: 'A0OTHER' }],
    ['another workspace', { team: { id: 'T0OTHER', domain: 'other' } }],
  ])('an Approve click from %s decides nothing', async (_label, change) => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] } });
    const card = await openCard(h, String(order.orderId));

    const res = await foreignClick(h, card, change);
    // Whatever the click led to is logged: wait for it before looking at the record.
    const outcome = await h.waitForLog((e) =>
      ['renewal approved', 'payload from another installation refused'].includes(String(e.msg)),
    );

    expect(res.status).toBe(200);
    expect(outcome.msg).toBe('payload from another installation refused');
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('requested');
  });

  it('the same click from this installation approves', async () => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] } });
    const card = await openCard(h, String(order.orderId));

    await foreignClick(h, card, {});

    await h.waitForLog((e) => e.msg === 'renewal approved');
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('approved');
  });
});

describe('while auth.test has not answered, the check fails closed', () => {
  const foreign = { team_id: 'T0OTHER' };

  it('auth.test slow: a foreign and a legitimate /cert renew are both refused with a word; once it answers, only the foreign one is', async () => {
    const order = buildOrder();
    h = await startAppHarness({
      seed: { orders: [order] },
      slackFaults: [{ method: 'auth.test', delayMs: 5_000 }],
    });
    const harness = h;

    const [fromElsewhere, fromHere] = await Promise.all([
      harness.command(`renew ${order.orderId}`, undefined, foreign),
      harness.command(`renew ${order.orderId}`),
    ]);
    const keysWhileUnknown = await renewalRecordKeys(harness);
    await harness.slack.waitForCall((c) => c.method === 'auth.test' && c.response.ok === true, 10_000);
    const laterFromElsewhere = await harness.command(`renew ${order.orderId}`, undefined, foreign);
    await openCard(harness, String(order.orderId));

    expect(fromElsewhere.json).toEqual({ response_type: 'ephemeral', text: refusalTexts.unverified });
    expect(fromHere.json).toEqual({ response_type: 'ephemeral', text: refusalTexts.unverified });
    expect(keysWhileUnknown).toEqual([]);
    expect(laterFromElsewhere.json).toEqual({ response_type: 'ephemeral', text: refusalTexts.foreign });
    expect(await renewalRecordKeys(harness)).toHaveLength(1);
  });

  it('auth.test failing: no crash, requests refused with a word, and the next request asks again', async () => {
    const order = buildOrder();
    h = await startAppHarness({
      seed: { orders: [order] },
      slackFaults: [{ method: 'auth.test', error: 'internal_error', times: 2 }],
    });
    const harness = h;
    await harness.waitForLog((e) => String(e.msg).startsWith('auth.test failed'));

    const fromElsewhere = await harness.command(`renew ${order.orderId}`, undefined, foreign);
    const keysWhileUnknown = await renewalRecordKeys(harness);
    await openCard(harness, String(order.orderId));
    const laterFromElsewhere = await harness.command(`renew ${order.orderId}`, undefined, foreign);

    expect(fromElsewhere.json).toEqual({ response_type: 'ephemeral', text: refusalTexts.unverified });
    expect(keysWhileUnknown).toEqual([]);
    expect(laterFromElsewhere.json).toEqual({ response_type: 'ephemeral', text: refusalTexts.foreign });
    expect(harness.slack.calls.filter((c) => c.method === 'auth.test').map((c) => c.response.ok)).toEqual([
      false,
      false,
      true,
    ]);
  });
});
