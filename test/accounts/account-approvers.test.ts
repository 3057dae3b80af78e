import { afterEach, describe, expect, it } from 'vitest';
import type { AccountsSimulator } from '../../src/cas-sim/accounts-sim.ts';
import { type AccountCard, answerTo, approveAs, cardIn, startAccountsApp } from '../support/account-app.ts';
import { payLeadId, shopLeadIds, shopOnCallId } from '../support/accounts.ts';
import { type AppHarness, approverId, blocksText, findButton } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';

// An account's own approvers (money), rotationApprovers (rotations and deployments) and approvalsRequired decide its
// requests (issue 22): the environment's lists and count only where the account gives none.

let h: AppHarness | undefined;
let sim: AccountsSimulator | undefined;
afterEach(async () => {
  await h?.stop();
  await sim?.close();
  h = undefined;
  sim = undefined;
});

const shopOrder = buildOrder({ domain: 'www.shop.example.com' });
const payOrder = buildOrder({ domain: 'pay.example.com' });

/** Shop and payments each with an order; CERT_APPROVALS_REQUIRED 3, which neither account uses (each gives its own). */
async function start(options: Parameters<typeof startAccountsApp>[1] = {}) {
  const started = await startAccountsApp(
    { shop: { orders: [shopOrder] }, pay: { orders: [payOrder] } },
    { ...options, env: { CERT_APPROVALS_REQUIRED: '3', ...options.env } },
  );
  h = started.h;
  sim = started.sim;
  return started;
}

const fields = (harness: AppHarness, card: AccountCard) =>
  harness.app.redis.hgetall(`${harness.prefix}:renewal:${card.recordId}`);

describe("an account's approvers decide its requests", () => {
  it('a shop lead may approve a shop request, not a payments one: a private refusal names payments’ approvers, and nothing moves', async () => {
    const { h, sim } = await start();
    const shop = await cardIn(h, 'C0SHOP1', String(shopOrder.orderId));
    const pay = await cardIn(h, 'C0PAY1', String(payOrder.orderId));

    const refused = await answerTo(h, () => approveAs(h, pay, shopLeadIds[0]));
    const counted = await answerTo(h, () => approveAs(h, shop, shopLeadIds[0]));

    expect(refused.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(refused.body.text).toBe(`Only <@${payLeadId}>, <!subteam^S0PAYLEADS> can approve this renewal.`);
    expect(await fields(h, pay)).toMatchObject({ state: 'requested', version: '1' });
    expect((await fields(h, pay)).approvals ?? '').toBe('');
    expect(sim.account('pay').renewCount()).toBe(0);
    expect(counted.body.text).toContain('Your approval is counted: 1 of 2');
    expect((await fields(h, shop)).approvals).toBe(shopLeadIds[0]);
  });

  it('the account’s list replaces CERT_APPROVERS for its requests: an environment approver may not approve a shop one', async () => {
    const { h } = await start();
    const shop = await cardIn(h, 'C0SHOP1', String(shopOrder.orderId));

    const refused = await answerTo(h, () => approveAs(h, shop, approverId));

    expect(refused.body.text).toBe('Only <!subteam^S0SHOPLEADS> can approve this renewal.');
    expect(await fields(h, shop)).toMatchObject({ state: 'requested', version: '1' });
  });

  it('shop’s approvalsRequired 2 makes a shop renewal "1 of 2"; payments’ 1 approves with one click (CERT_APPROVALS_REQUIRED is 3)', async () => {
    const { h } = await start();
    const shop = await cardIn(h, 'C0SHOP1', String(shopOrder.orderId));
    const pay = await cardIn(h, 'C0PAY1', String(payOrder.orderId));

    await answerTo(h, () => approveAs(h, shop, shopLeadIds[0]));
    const update = await h.slack.waitForCall(
      (c) => c.method === 'chat.update' && c.args.ts === shop.ts && c.response.ok === true,
    );
    await approveAs(h, pay, payLeadId);
    await h.waitForLog((e) => e.msg === 'renewal approved' && e.recordId === pay.recordId);

    expect(blocksText(shop.call.args.blocks)).toContain('0 of 2 approvals');
    expect(blocksText(update.args.blocks)).toContain(`1 of 2 approvals: <@${shopLeadIds[0]}>`);
    expect(await fields(h, shop)).toMatchObject({ state: 'requested', approvalsRequired: '2' });
    expect(blocksText(pay.call.args.blocks)).not.toMatch(/of [23] approvals/);
    expect(await fields(h, pay)).toMatchObject({ approvalsRequired: '1', decidedBy: payLeadId });
  });

  it('shop’s on-call (rotationApprovers) may not approve a shop V1 renewal: it spends money', async () => {
    const { h } = await start();
    const shop = await cardIn(h, 'C0SHOP1', String(shopOrder.orderId));

    const refused = await answerTo(h, () => approveAs(h, shop, shopOnCallId));

    expect(refused.body.text).toContain(
      'Only <!subteam^S0SHOPLEADS> can approve this renewal. It spends plan quota',
    );
    expect(await fields(h, shop)).toMatchObject({ state: 'requested', version: '1' });
  });

  it('the reminder of a shop request mentions shop’s approvers, not CERT_APPROVERS', async () => {
    const { h } = await start({ appDeps: { requestTtlMs: 3_000 } });
    const shop = await cardIn(h, 'C0SHOP1', String(shopOrder.orderId));

    const reminder = await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.args.thread_ts === shop.ts &&
        /still waits for a decision/.test(String(c.args.text)),
      10_000,
    );

    expect(String(reminder.args.text)).toContain('<!subteam^S0SHOPLEADS>');
    expect(String(reminder.args.text)).not.toContain(approverId);
  });

  it('on a payments request that needs attention, only payments’ approvers may act: a shop lead is refused, naming them', async () => {
    const { h, sim } = await start();
    sim.account('pay').faults.add({
      action: 'RenewCertificateOrderForPackageRequest',
      fault: { kind: 'server-error' },
    });
    const pay = await cardIn(h, 'C0PAY1', String(payOrder.orderId));
    await approveAs(h, pay, payLeadId);
    const attention = await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' &&
        c.args.ts === pay.ts &&
        /Needs attention/.test(blocksText(c.args.blocks)),
      15_000,
    );
    const value = findButton(attention.args.blocks, 'cert_recheck')?.value;
    const recheck = (user: string) =>
      h.click('cert_recheck', { user, messageTs: pay.ts, value, channel: 'C0PAY1' });

    const refused = await answerTo(h, () => recheck(shopLeadIds[0]));
    const afterRefusal = (await fields(h, pay)).state;
    await recheck(payLeadId);
    await h.waitForLog((e) => e.recordId === pay.recordId && e.msg === 'recheck requested');

    expect(refused.body.text).toBe(
      `Only <@${payLeadId}>, <!subteam^S0PAYLEADS> can decide on a request that needs attention.`,
    );
    expect(afterRefusal).toBe('needs_attention');
    expect((await fields(h, pay)).state).not.toBe('needs_attention');
  });
});
