import { afterEach, describe, expect, it } from 'vitest';
import type { AccountsSimulator } from '../../src/cas-sim/accounts-sim.ts';
import { approveByShopLeads, cardIn } from '../support/account-app.ts';
import {
  accountCasFor,
  accountGroups,
  accountsYaml,
  botKey,
  roleArns,
  shopOnCallId,
  startAccountsSim,
} from '../support/accounts.ts';
import {
  type AppHarness,
  findButton,
  renewalRecordKeys,
  requesterId,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';

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

/** The app and the worker against the simulator of several accounts, shop's and pay's orders seeded. */
async function start() {
  const started = await startAccountsSim({ shop: { orders: [shopOrder] }, pay: { orders: [payOrder] } });
  sim = started.sim;
  const accounts = accountCasFor(accountsYaml(started.url), Date.now);
  h = await startAppHarness({ worker: {}, accounts, standIn: { usergroups: accountGroups } });
  return { h, sim: started.sim };
}

describe('one Alibaba account per channel (CERT_ACCOUNTS)', () => {
  it('a request from the shop channel is bound to shop and renews there, in the session certbot-<its request id>', async () => {
    const { h, sim } = await start();
    const card = await cardIn(h, 'C0SHOP1', String(shopOrder.orderId));

    await approveByShopLeads(h, card);
    await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.args.thread_ts === card.ts &&
        /Renewal issued/.test(String(c.args.text)),
      15_000,
    );

    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'account')).toBe('shop-prod');
    const renewals = sim.calls().filter((c) => c.action === 'RenewCertificateOrderForPackageRequest');
    expect(renewals).toEqual([
      expect.objectContaining({
        account: 'shop',
        sessionName: `certbot-${card.recordId}`,
        params: expect.objectContaining({ OrderId: String(shopOrder.orderId) }),
        outcome: undefined,
      }),
    ]);
    // Everything the worker did for the request, it did in shop, as that request.
    const asRequest = sim.calls().filter((c) => c.sessionName === `certbot-${card.recordId}`);
    expect(new Set(asRequest.map((c) => c.account))).toEqual(new Set(['shop']));
    expect(sim.assumptions.filter((a) => a.sessionName === `certbot-${card.recordId}`)).toEqual(
      expect.arrayContaining([expect.objectContaining({ roleArn: roleArns.shop, externalId: 'shop-7f3a' })]),
    );
    expect(sim.account('pay').renewCount()).toBe(0);
    // The session's secret and token, and the bot's own secret, are in no log line and nowhere in Redis.
    const session = sim.account('shop').accessKey(renewals[0]?.accessKeyId ?? '');
    const secrets = [session?.accessKeySecret, session?.securityToken, botKey.accessKeySecret];
    const redisDump = JSON.stringify(
      await Promise.all((await h.app.redis.keys(`${h.prefix}:*`)).map((k) => h.app.redis.dump(k))),
    );
    for (const secret of secrets) {
      expect(secret).toBeTruthy();
      expect(h.logs.join('\n')).not.toContain(secret);
      expect(redisDump).not.toContain(secret);
    }
  });

  it("the deployment of a shop request runs in shop, as the request, and every step's session allows what it calls", async () => {
    const order = buildOrder({
      domain: 'cdn.shop.example.com',
      renewScript: [{ type: 'payed' }, { type: 'certificate' }],
    });
    const started = await startAccountsSim({
      shop: {
        orders: [order],
        resources: [
          { id: '601', cloudProduct: 'CDN', domain: 'cdn.shop.example.com', servesOrder: order.orderId },
        ],
      },
    });
    sim = started.sim;
    h = await startAppHarness({
      worker: {},
      accounts: accountCasFor(accountsYaml(started.url), Date.now),
      env: { CERT_DEPLOY: 'ask', CERT_TLS_CHECK: 'off' },
      standIn: { usergroups: accountGroups },
    });
    const card = await cardIn(h, 'C0SHOP1', String(order.orderId));
    await approveByShopLeads(h, card);
    const deployCard = await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.args.thread_ts === card.ts &&
        findButton(c.args.blocks, 'cert_deploy') !== undefined,
      15_000,
    );
    await h.waitForLog((e) => e.msg === 'deployment card posted' && e.ts === deployCard.response.ts);

    const deployValue = findButton(deployCard.args.blocks, 'cert_deploy')?.value;
    // Shop's on-call (its rotationApprovers: rotations and deployments) deploys.
    await h.click('cert_deploy', {
      user: shopOnCallId,
      messageTs: deployCard.response.ts as string,
      value: deployValue,
      channel: 'C0SHOP1',
    });
    await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.args.thread_ts === card.ts &&
        /deployed to 1 of 1/.test(String(c.args.text)),
      15_000,
    );

    expect(started.sim.calls().filter((c) => c.action === 'CreateDeploymentJob')).toEqual([
      expect.objectContaining({
        account: 'shop',
        sessionName: `certbot-${card.recordId}`,
        outcome: undefined,
      }),
    ]);
    expect(started.sim.calls().filter((c) => c.outcome === 'Forbidden.RAM')).toEqual([]);
    expect(started.sim.account('pay').calls).toEqual([]);
  });

  it("an order ID is looked up in the channel's account only: pay's order from the shop channel is not found", async () => {
    const { h, sim } = await start();

    await h.command(`renew ${payOrder.orderId}`, requesterId, { channel_id: 'C0SHOP1' });
    const card = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && c.args.channel === 'C0SHOP1',
    );

    expect(String(card.args.text)).toContain(String(payOrder.orderId));
    expect(findButton(card.args.blocks, 'cert_approve')).toBeUndefined();
    expect(await renewalRecordKeys(h)).toEqual([]);
    expect(sim.account('pay').calls).toEqual([]);
  });

  it('a command in a channel of no account is refused privately, with the channels that have one, and creates nothing', async () => {
    const { h, sim } = await start();

    const ack = await h.command(`renew ${shopOrder.orderId}`, requesterId, { channel_id: 'C0ELSEWHERE' });

    expect(ack.json).toMatchObject({ response_type: 'ephemeral' });
    expect(String(ack.json?.text)).toContain('This channel belongs to no Alibaba Cloud account');
    expect(String(ack.json?.text)).toContain('<#C0SHOP1>, <#C0SHOPOPS>, <#C0PAY1>');
    expect(await renewalRecordKeys(h)).toEqual([]);
    expect(sim.calls()).toEqual([]);
    expect(h.slack.okCalls('chat.postMessage')).toEqual([]);
  });

  it("/cert list answers for the channel's account", async () => {
    const { h } = await start();

    await h.command('list', requesterId, { channel_id: 'C0PAY1' });
    const answer = await h.slack.waitForResponse((r) => String(r.body.text).includes('pay.example.com'));

    expect(String(answer.body.text)).not.toContain('shop.example.com');
  });

  it("/cert status asks CAS in the channel's account", async () => {
    const { h, sim } = await start();

    await h.command(`status ${shopOrder.orderId}`, requesterId, { channel_id: 'C0PAY1' });
    await h.slack.waitForResponse((r) => String(r.body.text).includes(String(shopOrder.orderId)));
    const first = h.slack.responses.length;
    await h.command(`status ${shopOrder.orderId}`, requesterId, { channel_id: 'C0SHOPOPS' });
    await h.slack.waitForResponse((r) => h?.slack.responses.indexOf(r) === first);

    expect(
      sim
        .calls()
        .filter((c) => c.action === 'DescribeCertificateState')
        .map((c) => `${c.account} ${c.sessionName} ${c.outcome ?? 'ok'}`)
        .sort(),
    ).toEqual([expect.stringMatching(/^pay certbot-status /), 'shop certbot-status ok']);
  });

  it("/cert status shows a request only in its own account's channels", async () => {
    const { h } = await start();
    const card = await cardIn(h, 'C0SHOP1', String(shopOrder.orderId));
    const statusFrom = async (channel: string) => {
      const before = h.slack.responses.length;
      await h.command(`status ${shopOrder.orderId}`, requesterId, { channel_id: channel });
      const answer = await h.slack.waitForResponse((r) => h?.slack.responses.indexOf(r) === before);
      return String(answer.body.text);
    };

    const fromShop = await statusFrom('C0SHOPOPS');
    const fromPay = await statusFrom('C0PAY1');

    expect(fromShop).toContain(
      `*Request* for order \`${shopOrder.orderId}\`: :hourglass_flowing_sand: Waiting for approval`,
    );
    expect(fromShop).toContain(card.ts.replace('.', ''));
    expect(fromPay).toContain(`No renewal request for order \`${shopOrder.orderId}\` yet.`);
    expect(fromPay).not.toContain(card.ts.replace('.', ''));
  });

  it("each account's scan runs in its own session and its alerts go to its own channel", async () => {
    const { h, sim } = await start();

    await h.worker?.alerts.runScan();

    const alerts = h.slack.okCalls('chat.postMessage');
    const to = (domain: string) =>
      alerts.filter((c) => JSON.stringify(c.args).includes(domain)).map((c) => c.args.channel);
    expect(to('www.shop.example.com')).toEqual(['C0SHOP1']);
    expect(to('pay.example.com')).toEqual(['C0PAY1']);
    expect(new Set(sim.calls().map((c) => `${c.account}/${c.sessionName}`))).toEqual(
      new Set(['shop/certbot-scan', 'pay/certbot-scan']),
    );
  });
});
