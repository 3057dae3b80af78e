import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logging.ts';
import { createRenewalStore } from '../../src/renewals/store.ts';
import { sweepExpiries } from '../../src/worker/expiry-repair.ts';
import { type AppHarness, channelId, openCard, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { deleteKeysWithPrefix, testRedisUrl, uniquePrefix } from '../support/redis.ts';

let h: AppHarness | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.stop();
  h = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a request written without its expiry', () => {
  it('scheduling fails right after the write: the card still goes out, no false "nothing was changed", and the sweeper makes it expire', async () => {
    const order = buildOrder();
    // The test's clock: the request comes due when the test moves it, not while it is still being set up.
    let skew = 0;
    const now = () => Date.now() + skew;
    h = await startAppHarness({
      worker: {},
      now,
      appDeps: { requestTtlMs: 60_000 },
      seed: { orders: [order] },
    });
    const harness = h;
    const dueKey = `${harness.prefix}:request-due`;
    // The seam: the first add to the due schedule fails, as when Redis drops the connection.
    const zadd = Redis.prototype.zadd as (...args: unknown[]) => Promise<unknown>;
    const failed: unknown[] = [];
    vi.spyOn(Redis.prototype, 'zadd').mockImplementation(function (this: Redis, ...args: unknown[]) {
      if (args[0] !== dueKey || failed.length > 0) return zadd.apply(this, args) as never;
      failed.push(args[0]);
      return Promise.reject(new Error('Connection is closed.')) as never;
    });

    const card = await openCard(harness, String(order.orderId));

    expect(failed).toEqual([dueKey]);
    expect(await harness.app.redis.zcard(dueKey)).toBe(0);
    // The request is real and its card is up: the person is not told that nothing was changed.
    expect(card.recordId).toBeDefined();
    expect(harness.slack.responses.map((r) => String(r.body.text))).not.toContainEqual(
      expect.stringContaining('nothing was changed'),
    );
    await harness.waitForLog((e) => e.msg === 'expiry not scheduled; the sweeper schedules it');

    skew = 61_000;
    await harness.worker?.sweep();
    // Its reminder, if the sweep came before its expiry was due, then the expiry.
    await harness.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.args.text).includes('this request expired'),
      10_000,
    );

    expect(harness.slack.thread(channelId, card.ts).at(-1)?.text).toContain('this request expired');
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${card.recordId}`, 'state')).toBe(
      'expired',
    );
    // The order is free again, and nothing is left due.
    expect(await harness.app.redis.exists(`${harness.prefix}:order-open:${order.orderId}`)).toBe(0);
    expect(await harness.app.redis.zcard(dueKey)).toBe(0);
  });
});

describe('sweepExpiries', () => {
  async function setup(expiresIn = 3_600_000) {
    const redis = new Redis(testRedisUrl());
    const prefix = uniquePrefix('expiry-repair');
    cleanups.push(async () => {
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    });
    const store = createRenewalStore({ redis, prefix });
    const now = Date.now();
    const created = await store.create({
      orderId: '800123',
      channelId,
      requestedBy: 'U0REQUESTER',
      expiresAt: now + expiresIn,
    });
    if (!created.created) throw new Error('not created');
    const delivered: string[] = [];
    const sweep = (at = now) =>
      sweepExpiries({
        redis,
        store,
        deliver: async (recordId) => {
          delivered.push(recordId);
          return { done: true };
        },
        logger: createLogger({ level: 'silent' }),
        now: () => at,
      });
    const dueKey = `${prefix}:request-due`;
    return { redis, store, dueKey, id: created.record.id, expiresAt: now + expiresIn, sweep, delivered };
  }

  it('schedules the expiry and first reminder of an undecided request that has none, once', async () => {
    const { redis, store, dueKey, id, expiresAt, sweep } = await setup();
    const requestedAt = (await store.get(id))?.requestedAt ?? Number.NaN;

    expect(await sweep()).toBe(1);
    // Its first reminder half-way through its TTL (handling it schedules the next), and its expiry.
    expect(await redis.zrange(dueKey, '0', '-1', 'WITHSCORES')).toEqual([
      `remind_half:${id}`,
      String(requestedAt + Math.floor((expiresAt - requestedAt) / 2)),
      `expire:${id}`,
      String(expiresAt),
    ]);
    expect(await sweep()).toBe(0);
  });

  it('leaves a due reminder to the app processes (they name the approvers), and drops it when the request expires', async () => {
    const { redis, store, dueKey, id, expiresAt, sweep } = await setup();
    await sweep();

    await sweep(expiresAt - 60_000);

    expect((await store.get(id))?.reminded).toBeUndefined();
    expect(await redis.zrange(dueKey, '0', '-1')).toEqual([`remind_half:${id}`, `expire:${id}`]);

    await sweep(expiresAt);

    expect((await store.get(id))?.state).toBe('expired');
    expect(await redis.zcard(dueKey)).toBe(0);
  });

  it('expires an undecided request that is due, once, however often it sweeps', async () => {
    const { store, dueKey, redis, id, sweep, delivered } = await setup(-1);

    await sweep();
    await sweep();

    expect((await store.get(id))?.state).toBe('expired');
    expect(delivered).toEqual([id]);
    expect(await redis.zcard(dueKey)).toBe(0);
  });

  it('does not touch decided requests', async () => {
    const { store, redis, dueKey, id, sweep } = await setup();
    await store.transition(id, 'rejected', { actor: 'U0APPROVER', fields: { decidedBy: 'U0APPROVER' } });

    expect(await sweep()).toBe(0);
    expect(await redis.zcard(dueKey)).toBe(0);
  });
});
