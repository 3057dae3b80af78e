import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionNameOf } from '../../src/accounts/account-cas.ts';
import { createRenewableOrderIndex } from '../../src/cas/renewable-orders.ts';
import { type AccountsSimulator, SimAccountsSeed } from '../../src/cas-sim/accounts-sim.ts';
import {
  accountCasFor,
  accountsYaml,
  botKey,
  roleArns,
  startAccountsSim,
  uids,
  type YamlOverrides,
} from '../support/accounts.ts';
import { buildOrder } from '../support/cas.ts';

const minute = 60_000;

describe('the example seed of several accounts (npm run cas-sim, the demo)', () => {
  it('holds the ops account with the bot key and two team accounts whose roles trust it', () => {
    const seed = SimAccountsSeed.parse(
      JSON.parse(readFileSync('src/cas-sim/example-accounts-seed.json', 'utf8')) as unknown,
    );

    expect(seed.accounts.map((a) => a.name)).toEqual(['ops', 'shop', 'payments']);
    expect(seed.roles.map((r) => r.trust)).toEqual([['1000000000000001'], ['1000000000000001']]);
  });
});

describe('accounts through STS AssumeRole (simulated STS and CAS of several accounts)', () => {
  let sim: AccountsSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  async function setup(
    yamlOverrides: YamlOverrides = {},
    marginMs?: number,
    seeds: Parameters<typeof startAccountsSim>[0] = {},
  ) {
    let clock = Date.now();
    const now = () => clock;
    const started = await startAccountsSim(seeds, now);
    sim = started.sim;
    const accounts = accountCasFor(accountsYaml(started.url, yamlOverrides), now, marginMs);
    const shop = accounts.directory.accountFor('C0SHOP1');
    const pay = accounts.directory.accountFor('C0PAY1');
    if (!shop || !pay) throw new Error('accounts missing');
    return {
      sim: started.sim,
      accounts,
      shop,
      pay,
      advance: (ms: number) => {
        clock += ms;
      },
    };
  }

  it('a session acts in its own account only, named as its request, with the external ID and an inline policy', async () => {
    const t = await setup();

    await t.accounts.run({ account: t.shop, sessionName: sessionNameOf('r123'), purpose: 'read' }, () =>
      t.accounts.cas.listContacts(),
    );

    expect(t.sim.assumptions).toEqual([
      expect.objectContaining({
        roleArn: roleArns.shop,
        sessionName: 'certbot-r123',
        externalId: 'shop-7f3a',
        durationSeconds: 900,
        callerUid: uids.ops,
        outcome: undefined,
      }),
    ]);
    expect(t.sim.calls()).toEqual([
      expect.objectContaining({ account: 'shop', action: 'ListContact', sessionName: 'certbot-r123' }),
    ]);
    expect(t.sim.account('shop').calls[0]?.accessKeyId).toMatch(/^STS\./);
  });

  it("the session's inline policy narrows it: a read session cannot renew (RAM refuses, CAS does nothing)", async () => {
    const t = await setup();

    const renew = t.accounts.run({ account: t.shop, sessionName: 'certbot-scan', purpose: 'read' }, () =>
      t.accounts.cas.renewCertificateOrderForPackageRequest({ orderId: '1', csr: undefined }),
    );

    await expect(renew).rejects.toMatchObject({ casCode: 'Forbidden.RAM' });
    expect(t.sim.account('shop').renewCount()).toBe(0);
  });

  it.each([
    ['a wrong external ID', { shopExternalId: 'wrong-id' }, 'C0SHOP1'],
    ['a role the account may not assume', { payRoleArn: roleArns.payLocked }, 'C0PAY1'],
  ])(
    '%s fails with a line naming the account and the role, and acts in no account',
    async (_n, yaml, channel) => {
      const t = await setup(yaml);
      const account = t.accounts.directory.accountFor(channel);
      if (!account?.roleArn) throw new Error('no account');

      const call = t.accounts.run({ account, sessionName: 'certbot-r1', purpose: 'read' }, () =>
        t.accounts.cas.listContacts(),
      );

      await expect(call).rejects.toMatchObject({ code: 'CAS_API_ERROR', casCode: 'NoPermission' });
      await expect(call).rejects.toThrow(
        `Account ${account.name}: STS refused to assume ${account.roleArn} (NoPermission: You are not authorized`,
      );
      expect(t.sim.calls()).toEqual([]);
      expect(t.sim.assumptions.map((a) => a.outcome)).toEqual(['NoPermission']);
    },
  );

  it('an expiring session is renewed before use (by the clock), never after a failed call', async () => {
    const t = await setup({}, 5 * minute);
    const session = { account: t.shop, sessionName: 'certbot-r9', purpose: 'read' as const };
    const list = () => t.accounts.run(session, () => t.accounts.cas.listContacts());
    await list();
    // A refused CAS call (throttled) is not a reason for a new session: the same one is used again.
    t.sim
      .account('shop')
      .faults.add({ action: 'ListContact', fault: { kind: 'error', status: 400, code: 'Throttling.User' } });
    await expect(list()).rejects.toMatchObject({ casCode: 'Throttling.User' });
    t.advance(9 * minute);
    await list();

    expect(t.sim.assumptions).toHaveLength(1);

    // 900 s session, 5 minutes margin: at 10 minutes and a second it is replaced before the call.
    t.advance(1 * minute + 1_000);
    await list();

    expect(t.sim.assumptions).toHaveLength(2);
    expect(t.sim.account('shop').calls.map((c) => c.outcome)).toEqual([
      undefined,
      'Throttling.User',
      undefined,
      undefined,
    ]);
    expect(new Set(t.sim.account('shop').calls.map((c) => c.accessKeyId)).size).toBe(2);
  });

  it('the CAS of an account refuses an expired session (InvalidSecurityToken.Expired)', async () => {
    // No margin: the session is used up to its last second, to see the simulator refuse it after.
    const t = await setup({}, -15 * minute);
    const list = () =>
      t.accounts.run({ account: t.shop, sessionName: 'certbot-r9', purpose: 'read' }, () =>
        t.accounts.cas.listContacts(),
      );
    await list();
    t.advance(15 * minute);

    await expect(list()).rejects.toMatchObject({ casCode: 'InvalidSecurityToken.Expired' });
  });

  it('outside a session, with an accounts file, nothing is sent (no account bound)', async () => {
    const t = await setup();

    expect(() => t.accounts.cas.listContacts()).toThrow(
      expect.objectContaining({ code: 'ACCOUNT_NOT_BOUND' }),
    );
    expect(t.sim.calls()).toEqual([]);
    expect(t.sim.assumptions).toEqual([]);
  });

  it("a call made in one account's session cannot be carried on in another's: refused, nothing sent", async () => {
    const t = await setup();
    const listing = await t.accounts.run(
      { account: t.shop, sessionName: 'certbot-r5', purpose: 'read' },
      async () => t.accounts.cas.listAllUserCertificateOrders({}),
    );

    const carriedOn = t.accounts.run(
      { account: t.pay, sessionName: 'certbot-r6', purpose: 'read' },
      async () => {
        for await (const order of listing) void order;
      },
    );

    await expect(carriedOn).rejects.toMatchObject({ code: 'ACCOUNT_NOT_BOUND' });
    expect(t.sim.calls()).toEqual([]);
  });

  it('caches of CAS listings are kept per account: an order listed in shop is not found from pay', async () => {
    const order = buildOrder();
    const t = await setup({}, undefined, { shop: { orders: [order] } });
    const index = t.accounts.perAccount(() => createRenewableOrderIndex({ cas: t.accounts.cas }));
    const inShop = await t.accounts.run({ account: t.shop, sessionName: 'certbot-a', purpose: 'read' }, () =>
      index.find(String(order.orderId)),
    );

    const inPay = await t.accounts.run({ account: t.pay, sessionName: 'certbot-b', purpose: 'read' }, () =>
      index.find(String(order.orderId)),
    );

    expect(inShop?.OrderId).toBe(String(order.orderId));
    expect(inPay).toBeUndefined();
    expect(t.sim.account('pay').calls.map((c) => c.action)).toContain('ListUserCertificateOrder');
  });

  it('the bot key itself is never in the sessions the simulator records', async () => {
    const t = await setup();
    await t.accounts.run({ account: t.pay, sessionName: 'certbot-scan', purpose: 'read' }, () =>
      t.accounts.cas.listContacts(),
    );

    expect(t.sim.calls().map((c) => c.account)).toEqual(['pay']);
    expect(JSON.stringify(t.sim.assumptions)).not.toContain(botKey.accessKeySecret);
  });
});
