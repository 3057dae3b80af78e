import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppHarness,
  blocksText,
  channelId,
  findButton,
  openCard,
  renewalRecordKeys,
  requesterId,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { makeCsr } from '../support/csr.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('/cert renew <orderId>', () => {
  it('an order CAS started listing as expiring a moment after another /cert renew gets its card at once', async () => {
    const [first, later] = [buildOrder(), buildOrder({ status: 'ISSUED' })];
    h = await startAppHarness({ seed: { orders: [first, later] } });
    await openCard(h, String(first.orderId));
    const order = h.cas.sim.store.get(String(later.orderId));
    if (order) order.status = 'WILLEXPIRED';

    const { call, recordId } = await openCard(h, String(later.orderId));

    expect(findButton(call.args.blocks, 'cert_approve')?.value).toBe(`${recordId}.1`);
    expect(recordId).toBeDefined();
  });

  it('acks at once and posts an approval card with the order details from CAS', async () => {
    const order = buildOrder({ domain: 'shop.example.com', productName: 'DigiCert DV (plan)' });
    h = await startAppHarness({
      seed: {
        orders: [order],
        packages: [{ productCode: 'digicert-dv-1-plan', totalCount: 10, usedCount: 4 }],
      },
    });

    const { ack, call, recordId } = await openCard(h, String(order.orderId));

    expect(ack).toMatchObject({ status: 200, text: '' });
    expect(call.args.channel).toBe(channelId);
    expect(call.args.text).toContain(`order ${order.orderId}`);
    const shown = blocksText(call.args.blocks);
    for (const expected of [
      String(order.orderId),
      'shop.example.com',
      'DigiCert DV (plan)',
      '*Plan quota left*\\n6',
      `<@${requesterId}>`,
      'CAS will generate the key pair',
    ]) {
      expect(shown).toContain(expected);
    }
    expect(findButton(call.args.blocks, 'cert_approve')).toMatchObject({ value: `${recordId}.1` });
    expect(findButton(call.args.blocks, 'cert_reject')).toMatchObject({ value: `${recordId}.1` });
    expect(shown).toContain('"confirm"');
    const record = await h.app.redis.hgetall(`${h.prefix}:renewal:${recordId}`);
    expect(record).toMatchObject({
      state: 'requested',
      orderId: String(order.orderId),
      requestedBy: requesterId,
      messageTs: call.response.ts,
    });
  });

  it('links a second request for the same order to the open thread instead of a new card', async () => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] } });
    const first = await openCard(h, String(order.orderId));

    const second = await h.command(`renew ${order.orderId}`, 'U0SOMEONE');
    const answer = await h.slack.waitForResponse((r) =>
      String(r.body.text).includes('already has an open renewal request'),
    );

    expect(second.status).toBe(200);
    expect(answer.body).toMatchObject({ response_type: 'ephemeral' });
    expect(answer.body.text).toContain(
      `https://test.slack.com/archives/${channelId}/p${first.ts.replace('.', '')}`,
    );
    expect(h.slack.okCalls('chat.postMessage')).toHaveLength(1);
    expect(await renewalRecordKeys(h as AppHarness)).toHaveLength(1);
  });

  it.each([
    ['an issued order', { status: 'ISSUED' as const }, 'is not one of them'],
    ['a pending order', { status: 'PAYED' as const, script: [{ type: 'payed' as const }] }, 'payed'],
  ])('posts a card without Approve for %s', async (_label, overrides, reason) => {
    const order = buildOrder(overrides);
    h = await startAppHarness({ seed: { orders: [order] } });

    await h.command(`renew ${order.orderId}`);
    const card = await h.slack.waitForCall((c) => c.method === 'chat.postMessage');

    expect(card.args.text).toContain('cannot be renewed now');
    expect(blocksText(card.args.blocks)).toContain(reason);
    expect(findButton(card.args.blocks, 'cert_approve')).toBeUndefined();
    expect(await renewalRecordKeys(h as AppHarness)).toEqual([]);
  });

  it('says plainly when CAS has no such order', async () => {
    h = await startAppHarness();

    await h.command('renew 4242424242');
    const card = await h.slack.waitForCall((c) => c.method === 'chat.postMessage');

    expect(blocksText(card.args.blocks)).toContain('CAS has no order `4242424242`');
    expect(findButton(card.args.blocks, 'cert_approve')).toBeUndefined();
  });

  it('says plainly when the bot may not read the order', async () => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] } });
    h.cas.sim.faults.add({
      fault: { kind: 'error', status: 403, code: 'Forbidden.RAM', message: 'User not authorized.' },
    });

    await h.command(`renew ${order.orderId}`);
    const card = await h.slack.waitForCall((c) => c.method === 'chat.postMessage');

    expect(blocksText(card.args.blocks)).toContain('Forbidden.RAM');
    expect(findButton(card.args.blocks, 'cert_approve')).toBeUndefined();
  });

  it('answers privately and creates nothing when CAS cannot be reached', async () => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] } });
    h.cas.sim.faults.add({ fault: { kind: 'server-error' }, times: 20 });

    await h.command(`renew ${order.orderId}`);
    const answer = await h.slack.waitForResponse();

    expect(answer.body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('Could not check the order in CAS'),
    });
    expect(h.slack.calls.filter((c) => c.method === 'chat.postMessage')).toEqual([]);
    expect(await renewalRecordKeys(h as AppHarness)).toEqual([]);
  });

  it('shows an inline CSR (line breaks lost in Slack) on the card and keeps the canonical PEM', async () => {
    const order = buildOrder({ domain: 'api.example.com' });
    h = await startAppHarness({ seed: { orders: [order] } });
    const csr = await makeCsr({
      commonName: 'api.example.com',
      sans: ['api.example.com', 'www.api.example.com'],
      key: 'rsa-2048',
    });

    const { call, recordId } = await openCard(h, String(order.orderId), requesterId, csr.replace(/\n/g, ' '));

    expect(blocksText(call.args.blocks)).toContain(
      'CN api.example.com · SANs api.example.com, www.api.example.com · RSA 2048',
    );
    expect(blocksText(call.args.blocks)).not.toContain('BEGIN CERTIFICATE REQUEST');
    expect(findButton(call.args.blocks, 'cert_attach_csr')).toBeUndefined();
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${recordId}`, 'csrPem')).toBe(csr.trim());
  });

  it('cancels the request and says how to fix it when the bot is not in the channel', async () => {
    const order = buildOrder();
    h = await startAppHarness({
      seed: { orders: [order] },
      standIn: { channelErrors: { C0PRIVATE: 'not_in_channel' } },
    });

    await h.command(`renew ${order.orderId}`, requesterId, { channel_id: 'C0PRIVATE' });
    const answer = await h.slack.waitForResponse();

    expect(answer.body.text).toContain('/invite @certbot');
    const keys = await renewalRecordKeys(h as AppHarness);
    expect(keys).toHaveLength(1);
    expect(await h.app.redis.hget(keys[0] as string, 'state')).toBe('cancelled');
    expect(await h.app.redis.exists(`${h.prefix}:order-open:${order.orderId}`)).toBe(0);
  });

  it('waits out a Slack 429 (Retry-After) and still posts the card', async () => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] } });
    h.slack.addFault({ method: 'chat.postMessage', retryAfter: 1 });

    const { call } = await openCard(h, String(order.orderId));

    expect(call.response.ok).toBe(true);
    expect(h.slack.calls.filter((c) => c.method === 'chat.postMessage').map((c) => c.status)).toEqual([
      429, 200,
    ]);
  });
});

describe('bad input', () => {
  it.each([
    ['renew', 'an order ID is missing'],
    ['renew abc', 'digits 0-9 only'],
    ['renew １２３', 'digits 0-9 only'],
    ['renew 99999999999999999999', 'too large'],
    ['frobnicate', 'Unknown sub-command'],
    ['renew 1 not-a-csr', 'No certificate request found'],
    [
      'renew 1 -----BEGIN CERTIFICATE----- MIIB -----END CERTIFICATE-----',
      'certificate, not a certificate request',
    ],
  ])('/cert %s gets an ephemeral answer naming the problem, and creates nothing', async (text, message) => {
    h = await startAppHarness();

    const res = await h.command(text);

    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining(message) });
    expect(h.slack.calls.filter((c) => c.method.startsWith('chat.'))).toEqual([]);
    expect(h.cas.sim.calls).toEqual([]);
    expect(await renewalRecordKeys(h as AppHarness)).toEqual([]);
  });

  it('refuses a pasted private key and never echoes, logs, posts or stores it', async () => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] } });
    const keyBody = 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETKEYMATERIAL';

    const res = await h.command(
      `renew ${order.orderId} -----BEGIN PRIVATE KEY----- ${keyBody} -----END PRIVATE KEY-----`,
    );

    expect(res.json).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('private key'),
    });
    expect(res.text).not.toContain('SECRETKEYMATERIAL');
    expect(h.logs.join('\n')).not.toContain('SECRETKEYMATERIAL');
    expect(JSON.stringify(h.slack.calls)).not.toContain('SECRETKEYMATERIAL');
    expect(await renewalRecordKeys(h as AppHarness)).toEqual([]);
  });

  it('/cert help and /cert with no text show the usage', async () => {
    h = await startAppHarness();

    const help = await h.command('help');
    const empty = await h.command('');

    expect(help.json).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('/cert renew <orderId>'),
    });
    expect(empty.json).toEqual(help.json);
  });
});

describe('a request abandoned before its card was posted', () => {
  it('is cancelled by the next /cert renew after a minute, which opens a new one', async () => {
    const order = buildOrder();
    let now = Date.now();
    h = await startAppHarness({ seed: { orders: [order] }, now: () => now });
    const { createRenewalStore } = await import('../../src/renewals/store.ts');
    const store = createRenewalStore({ redis: h.app.redis, prefix: h.prefix });
    // As if an app process died right after creating the request.
    const abandoned = await store.create({
      orderId: String(order.orderId),
      channelId,
      requestedBy: requesterId,
      expiresAt: now + 3_600_000,
    });
    now += 61_000;

    const { call } = await openCard(h, String(order.orderId));

    expect(findButton(call.args.blocks, 'cert_approve')).toBeDefined();
    expect(abandoned.created && (await store.get(abandoned.record.id))?.state).toBe('cancelled');
  });
});
