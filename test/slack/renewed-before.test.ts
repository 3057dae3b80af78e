import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppHarness,
  approverId,
  blocksText,
  channelId,
  findButton,
  openCard,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';

const day = 86_400_000;
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

type Block = { block_id?: string; text?: { text?: string } };
/** The card's first block and the text of its Approve button's confirm dialog. */
function warningOf(blocks: unknown) {
  const first = (blocks as Block[])[0];
  const approve = findButton(blocks, 'cert_approve') as
    | { confirm?: { text?: { text?: string } } }
    | undefined;
  return { first, confirm: approve?.confirm?.text?.text ?? '' };
}

describe('a card for an order that was already renewed', () => {
  it('after an issued renewal: a second /cert renew says so first, with the new order and its thread, and so does the confirm', async () => {
    const order = buildOrder({ domain: 'shop.example.com' });
    h = await startAppHarness({ worker: {}, seed: { orders: [order] } });
    const first = await openCard(h, String(order.orderId));
    await h.click('cert_approve', { user: approverId, messageTs: first.ts, value: first.value });
    await h.slack.waitForCall(
      (c) => c.args.thread_ts === first.ts && /Renewal issued/.test(String(c.args.text)),
      15_000,
    );
    const newOrderId = h.cas.sim.calls.find((c) => c.action === 'DescribeCertificateState')?.params
      .OrderId as string;

    const second = await openCard(h, String(order.orderId));

    const { first: top, confirm } = warningOf(second.call.args.blocks);
    expect(second.recordId).toBeDefined();
    expect(second.recordId).not.toBe(first.recordId);
    expect(top?.block_id).toBe('renewed_before');
    expect(top?.text?.text).toContain('already renewed');
    expect(top?.text?.text).toContain(`order \`${newOrderId}\``);
    expect(top?.text?.text).toContain(`<@${approverId}>`);
    expect(top?.text?.text).toContain(
      `https://test.slack.com/archives/${channelId}/p${first.ts.replace('.', '')}`,
    );
    // The rest of the dialog still fits (Slack allows 300 characters): who holds the private key.
    expect(confirm).toContain('Key: CAS generates the key pair');
    expect(confirm).toMatch(
      new RegExp(`^:warning: Already renewed on \\d{4}-\\d\\d-\\d\\d as order \`${newOrderId}\``),
    );
    // The warning stays on the card while it waits, whatever else changes (a refresh re-renders the record).
    const stored = await h.app.redis.hget(`${h.prefix}:renewal:${second.recordId}`, 'renewedBefore');
    expect(JSON.parse(stored ?? '{}')).toMatchObject({
      source: 'ours',
      newOrderId,
      permalink: expect.any(String),
    });
  });

  it('renewed in the CAS console (a newer order of the domain): the card says so first, naming that order', async () => {
    const old = buildOrder({ domain: 'api.example.com', buyDate: Date.now() - 360 * day });
    const renewed = buildOrder({ domain: 'api.example.com', status: 'PAYED', buyDate: Date.now() - 2 * day });
    h = await startAppHarness({ seed: { orders: [old, renewed] } });

    const card = await openCard(h, String(old.orderId));

    const { first: top, confirm } = warningOf(card.call.args.blocks);
    expect(top?.block_id).toBe('renewed_before');
    expect(top?.text?.text).toContain(`\`${renewed.orderId}\` (PAYED)`);
    expect(confirm).toContain(`as order \`${renewed.orderId}\``);
    const list = h.cas.sim.calls.filter(
      (c) => c.action === 'ListUserCertificateOrder' && c.params.Keyword === 'api.example.com',
    );
    expect(list.length).toBeGreaterThan(0);
  });

  it('renewed through CAS itself (the renew call made outside the bot): the card names the new order CAS lists', async () => {
    const old = buildOrder({ domain: 'console.example.com', buyDate: Date.now() - 360 * day });
    h = await startAppHarness({ seed: { orders: [old] } });
    const { newOrderId } = await h.cas
      .client()
      .renewCertificateOrderForPackageRequest({ orderId: String(old.orderId) });

    const card = await openCard(h, String(old.orderId));

    const { first: top } = warningOf(card.call.args.blocks);
    expect(top?.block_id).toBe('renewed_before');
    expect(top?.text?.text).toContain(`\`${newOrderId}\` (PAYED)`);
  });

  it.each([
    ["under review, listed with the old order's buy date", { status: 'CHECKING' }],
    [
      "issued 3 days ago, listed with the old order's buy date",
      { status: 'ISSUED', certStartTime: Date.now() - 3 * day },
    ],
  ] as const)(
    'a renewal that CAS lists with no buy date of its own (%s) is still found',
    async (_label, renewal) => {
      const boughtAt = Date.now() - 360 * day;
      const old = buildOrder({ domain: 'bare.example.com', buyDate: boughtAt });
      const renewed = buildOrder({ domain: 'bare.example.com', buyDate: boughtAt, ...renewal });
      h = await startAppHarness({ seed: { orders: [old, renewed], renewal: { listing: 'bare' } } });

      const card = await openCard(h, String(old.orderId));

      const { first: top } = warningOf(card.call.args.blocks);
      expect(top?.block_id).toBe('renewed_before');
      expect(top?.text?.text).toContain(`\`${renewed.orderId}\` (${renewal.status})`);
    },
  );

  it.each([
    ['bought before this order', { buyDate: Date.now() - 400 * day, status: 'ISSUED' }],
    ['bought more than 90 days ago', { buyDate: Date.now() - 100 * day, status: 'ISSUED' }],
    ['of another domain that contains this one', { domain: 'www.web.example.com', status: 'PAYED' }],
    ['that failed review', { status: 'CHECKED_FAIL' }],
    [
      'issued before this one (bought and started earlier)',
      { status: 'ISSUED', buyDate: Date.now() - 400 * day, certStartTime: Date.now() - 400 * day },
    ],
  ] as const)('a newer order %s is no renewal: no warning', async (_label, other) => {
    const old = buildOrder({ domain: 'web.example.com', buyDate: Date.now() - 360 * day });
    const unrelated = buildOrder({ domain: 'web.example.com', buyDate: Date.now() - day, ...other });
    h = await startAppHarness({ seed: { orders: [old, unrelated] } });

    const card = await openCard(h, String(old.orderId));

    expect(card.recordId).toBeDefined();
    expect(blocksText(card.call.args.blocks)).not.toContain('renewed_before');
    expect(blocksText(card.call.args.blocks)).not.toContain('already renewed');
  });

  it('when CAS cannot be asked for a newer order, the card says so first instead of nothing', async () => {
    const first = buildOrder({ domain: 'a.example.com' });
    const order = buildOrder({ domain: 'b.example.com' });
    h = await startAppHarness({ seed: { orders: [first, order] } });
    // The first card fills the list of renewable orders; the next listing (the domain's) is refused.
    await openCard(h, String(first.orderId));
    h.cas.sim.faults.add({
      action: 'ListUserCertificateOrder',
      fault: { kind: 'error', status: 403, code: 'Forbidden.RAM', message: 'no permission' },
    });

    const card = await openCard(h, String(order.orderId));

    const { first: top, confirm } = warningOf(card.call.args.blocks);
    expect(top?.block_id).toBe('renewed_before');
    expect(top?.text?.text).toContain('CAS could not be asked whether this order was already renewed');
    expect(top?.text?.text).toContain('Forbidden.RAM');
    expect(confirm).toMatch(/^:warning: CAS could not say whether this order was already renewed/);
  });
});
