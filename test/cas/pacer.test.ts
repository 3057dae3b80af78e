import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCasClient } from '../../src/cas/client.ts';
import { createRedisPacer } from '../../src/cas/pacer.ts';
import { defaultFetch, type FetchLike } from '../../src/cas/transport.ts';
import { buildOrder, startCasSim } from '../support/cas.ts';
import { deleteKeysWithPrefix, testRedis, uniquePrefix } from '../support/redis.ts';
import { testCredentials } from '../support/secrets.ts';

let redis: Redis;
let other: Redis;
const prefixes: string[] = [];
beforeAll(() => {
  redis = testRedis();
  other = testRedis();
});
afterEach(async () => {
  for (const p of prefixes.splice(0)) await deleteKeysWithPrefix(redis, p);
});
afterAll(() => {
  redis.disconnect();
  other.disconnect();
});

function prefix(): string {
  const p = uniquePrefix('pace');
  prefixes.push(p);
  return p;
}

/** A clock that only moves when someone sleeps, so admissions can be read off exactly. */
function fakeClock() {
  let t = 0;
  return {
    now: () => t,
    // Sleepers at the same moment wake at the same moment.
    sleep: async (ms: number) => {
      const wake = t + ms;
      await Promise.resolve();
      t = Math.max(t, wake);
    },
    set: (ms: number) => {
      t = ms;
    },
  };
}

describe('the pacer against the simulator enforcing 10 calls a second', () => {
  it('two pacers on two connections (as two processes), network delay on both legs: not one call throttled', async () => {
    const cas = await startCasSim({
      orders: [buildOrder({ orderId: '7001', domain: 'a.example.com' })],
      qps: { ListUserCertificateOrder: 10 },
    });
    // Up to 40 ms before a call reaches CAS and up to 40 ms before its answer is read: CAS counts a call when it
    // arrives, which the sender cannot see.
    const delay = () => new Promise((r) => setTimeout(r, Math.random() * 40));
    const jittery: FetchLike = async (url, init) => {
      await delay();
      const response = await defaultFetch(url, init);
      await delay();
      return response;
    };
    const p = prefix();
    const clients = [redis, other].map((connection) =>
      createCasClient({
        endpoint: cas.url,
        credentials: () => testCredentials,
        fetch: jittery,
        readRetries: 0,
        pace: createRedisPacer({ redis: connection, prefix: p, limits: { ListUserCertificateOrder: 10 } }),
      }),
    );
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        clients[i % 2]?.listUserCertificateOrder({ keyword: 'a.example.com' }),
      ),
    );
    const calls = cas.sim.calls.filter((c) => c.action === 'ListUserCertificateOrder');
    expect(calls).toHaveLength(40);
    expect(calls.filter((c) => c.outcome !== undefined)).toEqual([]);
    await cas.close();
  });
});

describe('the client tells the pacer when each call is over', () => {
  it.each([
    ['answered', undefined],
    ['throttled', { kind: 'throttle' } as const],
    ['no answer at all', { kind: 'drop' } as const],
  ])('%s: once', async (_name, fault) => {
    const cas = await startCasSim({ orders: [buildOrder({ orderId: '7001' })] });
    if (fault) cas.sim.faults.add({ action: 'ListUserCertificateOrder', fault });
    const ended: string[] = [];
    const client = createCasClient({
      endpoint: cas.url,
      credentials: () => testCredentials,
      readRetries: 0,
      timeoutMs: 2_000,
      pace: async (action) => () => {
        ended.push(action);
      },
    });
    const outcome = await client.listUserCertificateOrder({}).then(
      () => 'answered',
      () => 'failed',
    );
    expect(outcome).toBe(fault ? 'failed' : 'answered');
    expect(ended).toEqual(['ListUserCertificateOrder']);
    await cas.close();
  });
});

describe('the window (a fake clock)', () => {
  it('a call holds its slot until a second after its answer arrived', async () => {
    const clock = fakeClock();
    const pace = createRedisPacer({ redis, prefix: prefix(), limits: { L: 1 }, ...clock });
    const done = await pace('L');
    clock.set(250);
    done();
    await pace('L');
    expect(clock.now()).toBe(1250);
  });

  it('a call still in flight holds its slot however long it takes, up to the bound', async () => {
    const clock = fakeClock();
    const pace = createRedisPacer({ redis, prefix: prefix(), limits: { L: 1 }, maxCallMs: 5_000, ...clock });
    await pace('L'); // never answered: its process crashed
    await pace('L');
    expect(clock.now()).toBe(6_000);
  });

  it('admits `limit` calls at once and no more', async () => {
    const clock = fakeClock();
    const pace = createRedisPacer({ redis, prefix: prefix(), limits: { L: 3 }, ...clock });
    const done = await Promise.all([pace('L'), pace('L'), pace('L')]);
    expect(clock.now()).toBe(0);
    clock.set(100);
    for (const d of done) d();
    await pace('L');
    expect(clock.now()).toBe(1_100);
  });

  it('an answer that comes after its slot was freed leaves no key behind without an expiry', async () => {
    const clock = fakeClock();
    const p = prefix();
    const pace = createRedisPacer({ redis, prefix: p, limits: { L: 1 }, maxCallMs: 5_000, ...clock });
    const late = await pace('L');
    await redis.del(`${p}:pace:L`); // what the key's expiry does once every call in it is over
    late();
    expect(await redis.exists(`${p}:pace:L`)).toBe(0);
  });

  it('waiters of one process take turns: one look at Redis per admission, first come first served', async () => {
    const clock = fakeClock();
    let looks = 0;
    // Counts the admission scripts this pacer runs.
    const counted = new Proxy(redis, {
      get(target, property, receiver) {
        if (property === 'eval')
          return (script: string, ...rest: Array<string | number>) => {
            if (script.includes('ZCARD')) looks += 1;
            return (target.eval as (...args: unknown[]) => Promise<unknown>).call(target, script, ...rest);
          };
        return Reflect.get(target, property, receiver);
      },
    });
    const pace = createRedisPacer({ redis: counted, prefix: prefix(), limits: { L: 2 }, ...clock });
    const admitted: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const done = await pace('L');
        admitted.push(i);
        done();
      }),
    );
    expect(admitted).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // In turn: 11 looks (every other waiter finds the window full once), give or take a poll while an answer is
    // on its way. All at once: 20 (6 wake together for 2 slots, then 4, then 2).
    expect(looks).toBeLessThanOrEqual(14);
  });

  it('a waiter whose look at Redis fails lets the next one in line go on', async () => {
    const clock = fakeClock();
    let failNext = true;
    const flaky = new Proxy(redis, {
      get(target, property, receiver) {
        if (property === 'eval')
          return (script: string, ...rest: Array<string | number>) => {
            if (failNext && script.includes('ZRANGEBYSCORE')) {
              failNext = false;
              return Promise.reject(new Error('connection lost'));
            }
            return (target.eval as (...args: unknown[]) => Promise<unknown>).call(target, script, ...rest);
          };
        return Reflect.get(target, property, receiver);
      },
    });
    const pace = createRedisPacer({ redis: flaky, prefix: prefix(), limits: { L: 1 }, ...clock });
    const [first, second] = await Promise.allSettled([pace('L'), pace('L')]);
    expect(first.status).toBe('rejected');
    expect(second.status).toBe('fulfilled');
  });

  it('actions without a documented rate are not paced and touch no key', async () => {
    const clock = fakeClock();
    const p = prefix();
    const pace = createRedisPacer({ redis, prefix: p, limits: { L: 1 }, ...clock });
    for (let i = 0; i < 5; i += 1) (await pace('RenewCertificateOrderForPackageRequest'))();
    expect(clock.now()).toBe(0);
    expect(await redis.exists(`${p}:pace:RenewCertificateOrderForPackageRequest`)).toBe(0);
  });
});
