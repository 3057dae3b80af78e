import { afterEach, describe, expect, it } from 'vitest';
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
