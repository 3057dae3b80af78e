import { afterEach, describe, expect, it } from 'vitest';
import type { AccountsSimulator } from '../../src/cas-sim/accounts-sim.ts';
import { type AccountCard, answerTo, approveAs, cardIn, startAccountsApp } from '../support/account-app.ts';
import { payLeadId, shopLeadIds, shopOnCallId } from '../support/accounts.ts';
import {
  type AppHarness,
  approverId,
  blocksText,
  findButton,
  otherApproverId,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { rotated, rotationSubscription } from '../support/rotation.ts';

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

/** The top-level post in `channel` whose text starts with `title` (an expiry alert), and its Snooze button's value. */
function alertIn(harness: AppHarness, channel: string, title: string) {
  const call = harness.slack
    .okCalls('chat.postMessage')
    .find(
      (c) =>
        c.args.channel === channel && c.args.thread_ts === undefined && String(c.args.text).startsWith(title),
    );
  if (!call) throw new Error(`no alert "${title}" in ${channel}`);
  return {
    call,
    ts: call.response.ts as string,
    channel,
    id: findButton(call.args.blocks, 'cert_snooze')?.value,
  };
}

type Alert = ReturnType<typeof alertIn>;

/** Clicks Snooze on `alert` as `user`; resolves with the private answer. */
const snoozeAs = (harness: AppHarness, alert: Alert, user: string) =>
  answerTo(harness, () =>
    harness.click('cert_snooze', { user, messageTs: alert.ts, value: alert.id, channel: alert.channel }),
  );

/** Whether the alert state holds a snooze of `id`. */
const isSnoozed = async (harness: AppHarness, id: string | undefined) =>
  (await harness.app.redis.exists(`${harness.prefix}:snooze:${id}`)) === 1;

/** Posts in `alert`'s thread (the ":zzz: … snoozed alerts" note). */
const threadOf = (harness: AppHarness, alert: Alert) =>
  harness.slack.okCalls('chat.postMessage').filter((c) => c.args.thread_ts === alert.ts);

describe("Snooze on an expiry alert follows the account of the alert's channel", () => {
  /** Shop (a V1 order, a V2 subscription) and payments (a V1 order), scanned: each alerted in its own channel. */
  async function scanned() {
    const started = await startAccountsApp({
      shop: {
        orders: [buildOrder({ domain: 'www.shop.example.com' })],
        subscriptions: [rotationSubscription()],
      },
      pay: { orders: [buildOrder({ domain: 'pay.example.com' })] },
    });
    h = started.h;
    sim = started.sim;
    await started.h.worker?.alerts.runScan();
    return {
      h: started.h,
      shop: alertIn(started.h, 'C0SHOP1', 'Certificates expiring soon'),
      shopV2: alertIn(started.h, 'C0SHOP1', 'Subscription certificates expiring soon'),
      pay: alertIn(started.h, 'C0PAY1', 'Certificates expiring soon'),
    };
  }

  it('a payments lead snoozes a payments alert: the order is snoozed and its thread says so', async () => {
    const { h, pay } = await scanned();

    const answer = await snoozeAs(h, pay, payLeadId);
    const note = await h.slack.waitForCall(
      (c) => c.args.thread_ts === pay.ts && /snoozed alerts/.test(String(c.args.text)),
    );

    expect(answer.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(answer.body.text).toContain(`Alerts for order \`${pay.id}\` are snoozed until`);
    expect(await isSnoozed(h, pay.id)).toBe(true);
    expect(note.args.channel).toBe('C0PAY1');
    expect(String(note.args.text)).toContain(`<@${payLeadId}> snoozed alerts for order \`${pay.id}\``);
  });

  it('a payments lead, an environment approver and shop’s on-call may not snooze a shop order: refused privately, naming shop’s approvers; nothing is snoozed', async () => {
    const { h, shop } = await scanned();

    const refusals = [
      await snoozeAs(h, shop, payLeadId),
      await snoozeAs(h, shop, approverId),
      // The order's Renew opens a renewal, which spends money: rotation approvers do not suffice.
      await snoozeAs(h, shop, shopOnCallId),
    ];

    for (const refused of refusals) {
      expect(refused.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
      expect(refused.body.text).toBe('Only <!subteam^S0SHOPLEADS> can snooze this alert.');
    }
    expect(await isSnoozed(h, shop.id)).toBe(false);
    expect(threadOf(h, shop)).toEqual([]);
    expect(await h.app.redis.lrange(`${h.prefix}:order-audit:${shop.id}`, 0, -1)).toEqual([]);
  });

  it('shop’s on-call may snooze a shop V2 instance (its Renew opens a rotation); a payments lead may not', async () => {
    const { h, shopV2 } = await scanned();

    const refused = await snoozeAs(h, shopV2, payLeadId);
    const snoozedAfterRefusal = await isSnoozed(h, shopV2.id);
    const answer = await snoozeAs(h, shopV2, shopOnCallId);

    expect(shopV2.id).toBe(rotated.instanceId);
    expect(refused.body.text).toBe(
      'Only <!subteam^S0SHOPLEADS>, <!subteam^S0SHOPONCALL> can snooze this alert.',
    );
    expect(snoozedAfterRefusal).toBe(false);
    expect(answer.body.text).toContain(`Alerts for instance \`${rotated.instanceId}\` are snoozed until`);
    expect(await isSnoozed(h, shopV2.id)).toBe(true);
  });

  it('without an accounts file, CERT_APPROVERS snooze every alert, CERT_ROTATION_APPROVERS the V2 ones only (as they may approve only those), and the refusal is unchanged', async () => {
    const rotator = 'U0ROTATOR';
    h = await startAppHarness({
      seed: { orders: [buildOrder()], subscriptions: [rotationSubscription()] },
      worker: {},
      env: { CERT_ALERT_CHANNEL: 'C0ALERTS', CERT_ROTATION_APPROVERS: rotator },
    });
    await h.worker?.alerts.runScan();
    const order = alertIn(h, 'C0ALERTS', 'Certificates expiring soon');
    const instance = alertIn(h, 'C0ALERTS', 'Subscription certificates expiring soon');

    const refused = await snoozeAs(h, order, rotator);
    const snoozedAfterRefusal = await isSnoozed(h, order.id);
    const answers = [await snoozeAs(h, instance, rotator), await snoozeAs(h, order, approverId)];

    expect(refused.body.text).toBe(`Only <@${approverId}>, <@${otherApproverId}> can snooze expiry alerts.`);
    expect(snoozedAfterRefusal).toBe(false);
    for (const answer of answers)
      expect(answer.body.text).toMatch(/^Alerts for (order|instance) .* are snoozed until/);
    expect([await isSnoozed(h, order.id), await isSnoozed(h, instance.id)]).toEqual([true, true]);
  });
});

describe('/cert scan with an accounts file', () => {
  it('scans every account, so an account’s own approver is refused, told why, and nothing is scanned; CERT_APPROVERS may', async () => {
    const { h, sim } = await start();

    const refused = await answerTo(h, () => h.command('scan', payLeadId, { channel_id: 'C0PAY1' }));
    const scansAfterRefusal = sim.calls().length;
    const summary = await answerTo(h, () => h.command('scan', approverId, { channel_id: 'C0PAY1' }));

    expect(refused.body).toMatchObject({ response_type: 'ephemeral' });
    expect(refused.body.text).toBe(
      `Only <@${approverId}>, <@${otherApproverId}> can run the expiry scan: it scans every account, so an account's own approvers cannot.`,
    );
    expect(scansAfterRefusal).toBe(0);
    expect(summary.body.text).toMatch(
      /^Scanned 2 orders: 2 expiring soon, 2 newly alerted in <#C0SHOP1>, <#C0PAY1>\./,
    );
  });
});
