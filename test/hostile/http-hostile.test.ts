import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppHarness,
  approverId,
  channelId,
  openCard,
  renewalRecordKeys,
  requesterId,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { blockActionBody, slashCommandBody, viewSubmissionBody } from '../support/slack-payloads.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function healthy(harness: AppHarness): Promise<boolean> {
  const res = await request(`${harness.base}/healthz`);
  await res.body.dump();
  return res.statusCode === 200;
}

describe('replayed Slack requests (valid signature, sent again)', () => {
  it('a replayed /cert renew links to the open request instead of opening another', async () => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] } });
    const body = slashCommandBody({ text: `renew ${order.orderId}`, response_url: h.slack.responseUrl() });
    await h.post(body);
    await h.waitForLog((e) => e.msg === 'renewal requested');

    const replay = await h.post(body);
    const answer = await h.slack.waitForResponse((r) =>
      String(r.body.text).includes('already has an open renewal request'),
    );

    expect(replay.status).toBe(200);
    expect(answer.body.response_type).toBe('ephemeral');
    expect(await renewalRecordKeys(h)).toHaveLength(1);
  });

  it('a replayed Approve click makes no second decision and no second job', async () => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] } });
    const card = await openCard(h, String(order.orderId));
    const body = blockActionBody({
      actionId: 'cert_approve',
      value: card.value,
      userId: approverId,
      channelId,
      messageTs: card.ts,
      responseUrl: h.slack.responseUrl(),
    });
    await h.post(body);
    await h.slack.waitForCall((c) => c.method === 'chat.update');

    await h.post(body);
    const answer = await h.slack.waitForResponse((r) => String(r.body.text).startsWith('Nothing changed'));

    expect(answer.body.response_type).toBe('ephemeral');
    const audit = await h.app.redis.lrange(`${h.prefix}:audit:${card.recordId}`, 0, -1);
    expect(audit.map((a) => (JSON.parse(a) as { action: string }).action)).toEqual(['requested', 'approved']);
  });
});

describe('unknown and malformed interactions', () => {
  it('an unknown action ID is acked at once with a private explanation, and changes nothing', async () => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] } });
    const card = await openCard(h, String(order.orderId));

    const started = performance.now();
    const res = await h.post(
      blockActionBody({
        actionId: 'cert_delete_everything',
        value: card.value,
        userId: approverId,
        channelId,
        messageTs: card.ts,
        responseUrl: h.slack.responseUrl(),
      }),
    );
    const elapsed = performance.now() - started;
    const answer = await h.slack.waitForResponse();

    expect(res.status).toBe(200);
    expect(elapsed).toBeLessThan(2_500);
    expect(answer.body.text).toContain('not a button I know');
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('requested');
    expect(await healthy(h)).toBe(true);
  });

  it('an unknown view callback is acked (the modal closes) and changes nothing', async () => {
    h = await startAppHarness();

    const res = await h.post(
      viewSubmissionBody({
        callbackId: 'evil_modal',
        userId: requesterId,
        privateMetadata: '{}',
        values: {},
      }),
    );

    expect(res.status).toBe(200);
    expect(await healthy(h)).toBe(true);
  });

  it('a reject modal whose metadata names another card changes nothing', async () => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] } });
    const card = await openCard(h, String(order.orderId));

    await h.submitView('cert_reject_modal', {
      user: approverId,
      privateMetadata: JSON.stringify({ recordId: card.recordId, version: 1, channelId, messageTs: '1.000' }),
      values: { reason: { value: { type: 'plain_text_input', value: 'forged' } } },
    });
    const answer = await h.slack.waitForCall((c) => c.method === 'chat.postEphemeral');

    expect(answer.args.text).toContain('no longer matches its card');
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('requested');
  });

  it.each([
    ['a payload that is not JSON', 'payload=%7Bnot-json'],
    ['a JSON body with a wrong shape', 'payload=%7B%22type%22%3A%22block_actions%22%7D'],
    ['an empty body', ''],
  ])('%s gets a 400 at once, and the process stays healthy', async (_label, body) => {
    h = await startAppHarness();

    const res = await h.post(body);

    expect(res.status).toBe(400);
    expect(await healthy(h)).toBe(true);
    expect(await renewalRecordKeys(h)).toHaveLength(0);
  });
});
