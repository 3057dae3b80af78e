import { afterEach, describe, expect, it } from 'vitest';
import type { AccountsSimulator } from '../../src/cas-sim/accounts-sim.ts';
import { answerTo, approveAs, cardIn, startAccountsApp } from '../support/account-app.ts';
import { shopLeadIds, shopOnCallId, type YamlOverrides } from '../support/accounts.ts';
import { type AppHarness, approverId } from '../support/app-harness.ts';
import { quickSubscriptions, rotated, rotationSubscription } from '../support/rotation.ts';

// A V2 rotation opened in an account's channel is that account's: bound at creation, approved by its rotation
// approvers (one approval: it spends no money), and its application made there, as the request.

let h: AppHarness | undefined;
let sim: AccountsSimulator | undefined;
afterEach(async () => {
  await h?.stop();
  await sim?.close();
  h = undefined;
  sim = undefined;
});

async function start(yaml: YamlOverrides = {}) {
  const started = await startAccountsApp(
    { shop: { subscriptions: [rotationSubscription()], subscriptionApi: quickSubscriptions } },
    {},
    yaml,
  );
  h = started.h;
  sim = started.sim;
  return started;
}

describe("a rotation in an account's channel", () => {
  it('is bound to shop, shop’s on-call approves it with one click, and its ApplyCertificate is made in shop as certbot-<request id>', async () => {
    const { h, sim } = await start();
    const card = await cardIn(h, 'C0SHOP1', rotated.instanceId);

    await approveAs(h, card, shopOnCallId);
    await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.args.thread_ts === card.ts &&
        /Domain validation needed/.test(String(c.args.text)),
      15_000,
    );

    const record = await h.app.redis.hgetall(`${h.prefix}:renewal:${card.recordId}`);
    expect(record).toMatchObject({ kind: 'rotation', account: 'shop-prod', decidedBy: shopOnCallId });
    expect(sim.calls().filter((c) => c.action === 'ApplyCertificate')).toEqual([
      expect.objectContaining({
        account: 'shop',
        sessionName: `certbot-${card.recordId}`,
        params: expect.objectContaining({ InstanceId: rotated.instanceId }),
        outcome: undefined,
      }),
    ]);
    expect(sim.account('pay').calls).toEqual([]);
  });

  it('an environment approver outside shop’s lists may not approve a shop rotation; the refusal names shop’s', async () => {
    const { h } = await start();
    const card = await cardIn(h, 'C0SHOP1', rotated.instanceId);

    const refused = await answerTo(h, () => approveAs(h, card, approverId));

    expect(refused.body.text).toBe(
      'Only <!subteam^S0SHOPLEADS>, <!subteam^S0SHOPONCALL> can approve this rotation.',
    );
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('requested');
  });

  it('with shop’s rotationApprovalsRequired: 2, one approval leaves the rotation open ("1 of 2") and applies nothing; the second approver’s starts it', async () => {
    const { h, sim } = await start({ shopRotationApprovals: 2 });
    const card = await cardIn(h, 'C0SHOP1', rotated.instanceId);
    expect(JSON.stringify(card.call.args.blocks)).toContain('0 of 2 approvals');

    const counted = await answerTo(h, () => approveAs(h, card, shopOnCallId));
    expect(String(counted.body.text)).toContain(
      'counted: 1 of 2. The rotation starts once 2 different approvers have approved',
    );
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('requested');
    await approveAs(h, card, shopOnCallId);
    await approveAs(h, card, shopLeadIds[0]);
    await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.args.thread_ts === card.ts &&
        /Domain validation needed/.test(String(c.args.text)),
      15_000,
    );

    const record = await h.app.redis.hgetall(`${h.prefix}:renewal:${card.recordId}`);
    expect(record).toMatchObject({ kind: 'rotation', decidedBy: shopLeadIds[0] });
    expect(record.approvals?.split(',')).toEqual([shopOnCallId, shopLeadIds[0]]);
    expect(sim.calls().filter((c) => c.action === 'ApplyCertificate')).toHaveLength(1);
  });
});
