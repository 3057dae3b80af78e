import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { accountPacers } from '../../src/accounts/account-pacers.ts';
import type { AccountsSimulator } from '../../src/cas-sim/accounts-sim.ts';
import { accountCasFor, accountsYaml, startAccountsSim } from '../support/accounts.ts';
import { deleteKeysWithPrefix, testRedisUrl, uniquePrefix } from '../support/redis.ts';

// CAS's rates are per account (issue 22: "the expiry scan runs per account, paced per account"): each account's
// listings go through its own window in Redis, so a full window in one account slows no call of another.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function rig() {
  const redis = new Redis(testRedisUrl());
  const prefix = uniquePrefix('acctpace');
  const { sim, url } = await startAccountsSim();
  cleanups.push(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    await (sim as AccountsSimulator).close();
  });
  // The pacer's clock stands still unless it waits: a wait is recorded, then moves the clock by that much.
  let pacerNow = Date.now();
  const waits: number[] = [];
  const paceFor = accountPacers({
    redis,
    prefix,
    fromFile: true,
    limits: { ListUserCertificateOrder: 2 },
    now: () => pacerNow,
    sleep: async (ms) => {
      waits.push(ms);
      pacerNow += ms;
    },
  });
  const accounts = accountCasFor(accountsYaml(url), Date.now, undefined, paceFor);
  const list = (channel: string) =>
    accounts.inChannel(channel, 'scan', () => accounts.cas.listUserCertificateOrder({}));
  return { redis, prefix, sim, waits, list };
}

describe('the pacing of CAS listings, per account', () => {
  it("shop's full window does not slow payments' listings; shop's next listing waits for shop's window", async () => {
    const t = await rig();
    await t.list('C0SHOP1');
    await t.list('C0SHOP1');

    await t.list('C0PAY1');
    await t.list('C0PAY1');

    expect(t.waits).toEqual([]);

    await t.list('C0SHOP1');

    expect(t.waits.length).toBeGreaterThan(0);
    expect(t.waits.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const listings = (account: string) =>
      t.sim.account(account).calls.filter((c) => c.action === 'ListUserCertificateOrder').length;
    expect([listings('shop'), listings('pay')]).toEqual([3, 2]);
    expect(await t.redis.zcard(`${t.prefix}:account:shop-prod:pace:ListUserCertificateOrder`)).toBe(1);
    expect(await t.redis.zcard(`${t.prefix}:account:payments:pace:ListUserCertificateOrder`)).toBe(2);
  });
});
