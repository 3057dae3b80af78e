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

const renewCalls = (h: AppHarness) =>
  h.cas.sim.calls.filter((c) => c.action === 'RenewCertificateOrderForPackageRequest').length;
const domainListings = (h: AppHarness, domain: string) =>
  h.cas.sim.calls.filter((c) => c.action === 'ListUserCertificateOrder' && c.params.Keyword === domain)
    .length;

type Card = Awaited<ReturnType<typeof openCard>>;

/** The first Approve on a card without a warning, when CAS shows a renewal: refused, and the card updated. */
async function approveRefused(h: AppHarness, card: Card) {
  const renewsBefore = renewCalls(h);
  await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
  const answer = await h.slack.waitForResponse();
  const update = await h.slack.waitForCall((c) => c.method === 'chat.update' && c.args.ts === card.ts);
  expect(answer.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
  expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('requested');
  expect(renewCalls(h)).toBe(renewsBefore);
  const value = findButton(update.args.blocks, 'cert_approve')?.value;
  expect(value).toBe(`${card.recordId}.2`);
  const { first: top, confirm } = warningOf(update.args.blocks);
  return { text: String(answer.body.text), top, confirm, value };
}

/** Approve with the button `value` given: the request is approved. */
async function approveGoesAhead(h: AppHarness, card: Card, value: string | undefined) {
  await h.click('cert_approve', { user: approverId, messageTs: card.ts, value });
  await h.waitForLog((e) => e.msg === 'renewal approved' && e.recordId === card.recordId);
  expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).not.toBe('requested');
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

  it('renewed in the CAS console: the card is posted without asking CAS; the first Approve asks, is refused, and updates the card; the second goes ahead', async () => {
    const old = buildOrder({ domain: 'api.example.com', buyDate: Date.now() - 360 * day });
    const renewed = buildOrder({ domain: 'api.example.com', status: 'PAYED', buyDate: Date.now() - 2 * day });
    h = await startAppHarness({ worker: {}, seed: { orders: [old, renewed] } });

    const card = await openCard(h, String(old.orderId));

    expect(blocksText(card.call.args.blocks)).not.toContain('renewed_before');
    expect(domainListings(h, 'api.example.com')).toBe(0);

    const refused = await approveRefused(h, card);

    expect(refused.text).toContain(`CAS shows that order \`${old.orderId}\` was renewed`);
    expect(refused.text).toContain(`as order \`${renewed.orderId}\` (PAYED)`);
    expect(refused.text).toContain('approve again if you still want to pay for another renewal');
    expect(refused.top?.block_id).toBe('renewed_before');
    expect(refused.top?.text?.text).toContain(`\`${renewed.orderId}\` (PAYED)`);
    expect(refused.confirm).toContain(`as order \`${renewed.orderId}\``);
    expect(domainListings(h, 'api.example.com')).toBe(1);

    await approveGoesAhead(h, card, refused.value);
    await h.slack.waitForCall(
      (c) => c.args.thread_ts === card.ts && /Renewal issued/.test(String(c.args.text)),
      15_000,
    );
    expect(renewCalls(h)).toBe(1);
  });

  it('CAS shows nothing: the card has no warning and one Approve goes ahead, after one listing of the domain', async () => {
    const old = buildOrder({ domain: 'quiet.example.com', buyDate: Date.now() - 360 * day });
    h = await startAppHarness({ seed: { orders: [old] } });

    const card = await openCard(h, String(old.orderId));
    expect(blocksText(card.call.args.blocks)).not.toContain('renewed_before');
    expect(domainListings(h, 'quiet.example.com')).toBe(0);

    await approveGoesAhead(h, card, card.value);

    expect(domainListings(h, 'quiet.example.com')).toBe(1);
    expect(h.slack.responses.map((r) => r.body.text)).toEqual([]);
  });

  it('renewed through CAS itself (the renew call made outside the bot): the first Approve names the new order CAS lists', async () => {
    const old = buildOrder({ domain: 'console.example.com', buyDate: Date.now() - 360 * day });
    h = await startAppHarness({ seed: { orders: [old] } });
    const { newOrderId } = await h.cas
      .client()
      .renewCertificateOrderForPackageRequest({ orderId: String(old.orderId) });

    const card = await openCard(h, String(old.orderId));
    const refused = await approveRefused(h, card);

    expect(refused.top?.block_id).toBe('renewed_before');
    expect(refused.top?.text?.text).toContain(`\`${newOrderId}\` (PAYED)`);
  });

  it.each([
    ["under review, listed with the old order's buy date", { status: 'CHECKING' }],
    [
      "issued 3 days ago, listed with the old order's buy date",
      { status: 'ISSUED', certStartTime: Date.now() - 3 * day },
    ],
  ] as const)(
    'a renewal that CAS lists with no buy date of its own (%s) is still found at Approve',
    async (_label, renewal) => {
      const boughtAt = Date.now() - 360 * day;
      const old = buildOrder({ domain: 'bare.example.com', buyDate: boughtAt });
      const renewed = buildOrder({ domain: 'bare.example.com', buyDate: boughtAt, ...renewal });
      h = await startAppHarness({ seed: { orders: [old, renewed], renewal: { listing: 'bare' } } });

      const card = await openCard(h, String(old.orderId));
      const refused = await approveRefused(h, card);

      expect(refused.top?.block_id).toBe('renewed_before');
      expect(refused.top?.text?.text).toContain(`\`${renewed.orderId}\` (${renewal.status})`);
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
    await approveGoesAhead(h, card, card.value);

    expect(blocksText(card.call.args.blocks)).not.toContain('renewed_before');
    expect(domainListings(h, 'web.example.com')).toBe(1);
  });

  it('when CAS cannot be asked at Approve, nothing is approved and the card says so first; approving again goes ahead', async () => {
    const order = buildOrder({ domain: 'b.example.com' });
    h = await startAppHarness({ seed: { orders: [order] } });
    const card = await openCard(h, String(order.orderId));
    h.cas.sim.faults.add({
      action: 'ListUserCertificateOrder',
      fault: { kind: 'error', status: 403, code: 'Forbidden.RAM', message: 'no permission' },
    });

    const refused = await approveRefused(h, card);

    expect(refused.text).toContain(
      `I could not ask CAS whether order \`${order.orderId}\` was renewed already`,
    );
    expect(refused.text).toContain('approve again to go ahead anyway');
    expect(refused.top?.block_id).toBe('renewed_before');
    expect(refused.top?.text?.text).toContain(
      'CAS could not be asked whether this order was already renewed',
    );
    expect(refused.top?.text?.text).toContain('Forbidden.RAM');
    expect(refused.confirm).toMatch(/^:warning: CAS could not say whether this order was already renewed/);
    const listings = domainListings(h, 'b.example.com');

    await approveGoesAhead(h, card, refused.value);
    // The second click did not ask CAS again: the card it was made on showed the warning.
    expect(domainListings(h, 'b.example.com')).toBe(listings);
  });

  it('a click on the card as it was before the warning was added is refused as changed', async () => {
    const old = buildOrder({ domain: 'twice.example.com', buyDate: Date.now() - 360 * day });
    const renewed = buildOrder({ domain: 'twice.example.com', status: 'PAYED', buyDate: Date.now() - day });
    h = await startAppHarness({ seed: { orders: [old, renewed] } });
    const card = await openCard(h, String(old.orderId));
    await approveRefused(h, card);

    await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    const answer = await h.slack.waitForResponse((r) => h?.slack.responses.indexOf(r) === 1);

    expect(answer.body.text).toContain('this request changed since you saw it');
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('requested');
  });
});
