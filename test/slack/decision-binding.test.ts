import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppHarness,
  approverId,
  blocksText,
  findButton,
  modalAfter,
  modalText,
  openCard,
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

type View = { callback_id: string; private_metadata: string };

/** Opens the Attach CSR modal from a card as the requester; resolves with the modal as filled in. */
async function openCsrModal(harness: AppHarness, card: { ts: string; value: string | undefined }) {
  return (await modalAfter(harness, () =>
    harness.click('cert_attach_csr', { user: requesterId, messageTs: card.ts, value: card.value }),
  )) as View;
}

const submitCsr = (harness: AppHarness, view: View, csr: string) =>
  harness.submitView(view.callback_id, {
    user: requesterId,
    privateMetadata: view.private_metadata,
    values: { csr: { value: { type: 'plain_text_input', value: csr } } },
  });

describe('a decision applies only to the request the approver saw', () => {
  it('a CSR attached after the card was shown: the old Approve is refused, the re-rendered card approves', async () => {
    const order = buildOrder({ domain: 'shop.example.com' });
    h = await startAppHarness({ seed: { orders: [order] } });
    const harness = h;
    const card = await openCard(harness, String(order.orderId));
    const view = await openCsrModal(harness, card);
    await submitCsr(harness, view, await makeCsr({ commonName: 'shop.example.com' }));
    const rerendered = await harness.slack.waitForCall(
      (c) => c.method === 'chat.update' && blocksText(c.args.blocks).includes('CN shop.example.com'),
    );

    await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    const refused = await harness.slack.waitForResponse((r) => String(r.body.text).includes('changed'));
    const fresh = findButton(rerendered.args.blocks, 'cert_approve')?.value;
    await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: fresh });
    await harness.waitForLog((e) => e.msg === 'renewal approved');

    expect(refused.body.text).toMatch(
      /^Nothing was done: this request changed since you saw it \(a CSR was attached\)/,
    );
    expect(fresh).not.toBe(card.value);
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${card.recordId}`, 'decidedBy')).toBe(
      approverId,
    );
  });

  it('a CSR attached while the approver is being looked up: the approval does not apply to the newer version', async () => {
    const order = buildOrder({ domain: 'shop.example.com' });
    h = await startAppHarness({
      seed: { orders: [order] },
      env: { CERT_APPROVERS: 'S0PLATFORM' },
      standIn: { usergroups: { S0PLATFORM: [approverId] } },
    });
    const harness = h;
    const card = await openCard(harness, String(order.orderId));
    // The approver lookup is held long enough for the requester to attach a CSR in between.
    harness.slack.addFault({ method: 'usergroups.users.list', delayMs: 5_000 });
    const lookup = harness.slack.nextSlowCall();

    await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    await lookup;
    await submitCsr(
      harness,
      await openCsrModal(harness, card),
      await makeCsr({ commonName: 'shop.example.com' }),
    );
    await harness.slack.waitForCall(
      (c) => c.method === 'chat.update' && blocksText(c.args.blocks).includes('CN shop.example.com'),
    );
    const answer = await harness.slack.waitForResponse((r) => r.body.response_type === 'ephemeral', 10_000);

    expect(answer.body.text).toMatch(
      /^Nothing was done: this request changed since you saw it \(a CSR was attached\)/,
    );
    const record = await harness.app.redis.hgetall(`${harness.prefix}:renewal:${card.recordId}`);
    expect(record.state).toBe('requested');
    expect(record.decidedBy).toBeUndefined();
    expect(record.csrPem).toContain('BEGIN CERTIFICATE REQUEST');
  });

  it('Reject on a card that changed shows no reject form: the approver is told to look again', async () => {
    const order = buildOrder({ domain: 'shop.example.com' });
    h = await startAppHarness({ seed: { orders: [order] } });
    const harness = h;
    const card = await openCard(harness, String(order.orderId));
    await submitCsr(
      harness,
      await openCsrModal(harness, card),
      await makeCsr({ commonName: 'shop.example.com' }),
    );

    const shown = await modalAfter(harness, () =>
      harness.click('cert_reject', { user: approverId, messageTs: card.ts, value: card.value }),
    );

    expect(shown.callback_id).toBeUndefined();
    expect(modalText(shown)).toContain('this request changed since you saw it');
  });

  it('a second Attach CSR modal opened earlier cannot swap the key after the first one', async () => {
    const order = buildOrder({ domain: 'shop.example.com' });
    h = await startAppHarness({ seed: { orders: [order] } });
    const harness = h;
    const card = await openCard(harness, String(order.orderId));
    const [first, second] = [await openCsrModal(harness, card), await openCsrModal(harness, card)];
    const firstCsr = await makeCsr({ commonName: 'shop.example.com' });

    await submitCsr(harness, first, firstCsr);
    await submitCsr(harness, second, await makeCsr({ commonName: 'shop.example.com' }));
    const refused = await harness.slack.waitForCall((c) => c.method === 'chat.postEphemeral');

    expect(String(refused.args.text)).toContain('this request changed since you saw it (a CSR was attached)');
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${card.recordId}`, 'csrPem')).toBe(
      firstCsr.trim(),
    );
  });

  it.each([
    [
      'with a CSR',
      true,
      /Key: the requester's CSR \(CN shop\.example\.com\); <@U0REQUESTER> holds the private key/,
    ],
    ['without a CSR', false, /Key: CAS generates the key pair/],
  ])('the Approve confirm dialog says who holds the private key (%s)', async (_label, withCsr, expected) => {
    const order = buildOrder({ domain: 'shop.example.com' });
    h = await startAppHarness({ seed: { orders: [order] } });
    const csr = withCsr ? await makeCsr({ commonName: 'shop.example.com' }) : '';

    const { call } = await openCard(h, String(order.orderId), requesterId, csr);

    const approve = findButton(call.args.blocks, 'cert_approve') as {
      confirm?: { text?: { text?: string } };
    };
    expect(approve.confirm?.text?.text).toMatch(expected);
  });
});
