import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging.ts';
import { createDueRunner, type DueRunner } from '../../src/renewals/due-runner.ts';
import { createDueSchedule, type DueEntry } from '../../src/renewals/request-due.ts';
import { createRequestExpiry } from '../../src/renewals/request-expiry.ts';
import { createRenewalStore } from '../../src/renewals/store.ts';
import { deleteKeysWithPrefix, testRedisUrl, uniquePrefix } from '../support/redis.ts';

const logger = createLogger({ level: 'silent' });
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setup() {
  const redis = new Redis(testRedisUrl());
  const prefix = uniquePrefix('due');
  cleanups.push(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });
  const key = `${prefix}:request-due`;
  return { redis, prefix, key, schedule: createDueSchedule({ redis, key }) };
}

/** Resolves with the record IDs handled once `count` handler calls were made (bounded wait). */
function handled(count: number, fail: (recordId: string, call: number) => boolean = () => false) {
  const calls: string[] = [];
  let resolve: (ids: string[]) => void = () => undefined;
  const done = new Promise<string[]>((r) => {
    resolve = r;
  });
  const timer = setTimeout(() => resolve(calls), 5_000);
  cleanups.push(() => clearTimeout(timer));
  const handler = async (recordId: string) => {
    calls.push(recordId);
    if (calls.length >= count) resolve(calls);
    if (fail(recordId, calls.length)) throw new Error('Redis went away mid-expiry');
  };
  return { handler, done };
}

function started(runner: DueRunner): DueRunner {
  runner.start();
  cleanups.push(() => runner.stop());
  return runner;
}

describe('the due schedule runner', () => {
  it('wakes on time for what its own process schedules, however long its poll', async () => {
    const { schedule } = setup();
    const { handler, done } = handled(1);
    const runner = started(
      createDueRunner({ schedule, handlers: { expire: handler }, logger, now: Date.now, pollMs: 3_600_000 }),
    );

    // Its first read found nothing: it sleeps for an hour unless its own schedule wakes it.
    expect(await runner.run()).toBe(0);
    await runner.schedule([{ kind: 'expire', recordId: 'r1', at: Date.now() + 100 }]);

    expect(await done).toEqual(['r1']);
    await expect.poll(() => schedule.earliest(10)).toEqual([]);
  });

  it('runs what another process scheduled within its poll', async () => {
    const { schedule } = setup();
    const { handler, done } = handled(1);
    started(createDueRunner({ schedule, handlers: { expire: handler }, logger, now: Date.now, pollMs: 200 }));

    // Another process's schedule: this runner is not told.
    await schedule.schedule([{ kind: 'expire', recordId: 'r2', at: Date.now() + 50 }]);

    expect(await done).toEqual(['r2']);
  });

  it('keeps an entry whose handler failed and runs it again', async () => {
    const { schedule } = setup();
    const { handler, done } = handled(2, (_id, call) => call === 1);
    started(
      createDueRunner({
        schedule,
        handlers: { expire: handler },
        logger,
        now: Date.now,
        pollMs: 60_000,
        retryMs: 50,
      }),
    );

    await schedule.schedule([{ kind: 'expire', recordId: 'r3', at: Date.now() }]);

    expect(await done).toEqual(['r3', 'r3']);
    await expect.poll(() => schedule.earliest(10)).toEqual([]);
  });

  it('leaves entries that are not due yet, and a cancelled request has none', async () => {
    const { schedule } = setup();
    const { handler } = handled(1);
    const runner = createDueRunner({
      schedule,
      handlers: { expire: handler },
      logger,
      now: Date.now,
      pollMs: 0,
    });
    const later: DueEntry = { kind: 'expire', recordId: 'later', at: Date.now() + 3_600_000 };
    await schedule.schedule([later, { kind: 'expire', recordId: 'gone', at: Date.now() - 1 }]);

    await schedule.cancel('gone');

    expect(await runner.run()).toBe(0);
    expect(await schedule.earliest(10)).toEqual([later]);
  });

  it("runs its due entries behind more than a batch of due entries it leaves to others (the worker's sweep behind reminders)", async () => {
    const { schedule } = setup();
    const { handler } = handled(2);
    const runner = createDueRunner({
      schedule,
      handlers: { expire: handler },
      logger,
      now: Date.now,
      pollMs: 0,
    });
    const t = Date.now() - 60_000;
    // 120 reminders (the app processes' kind) came due first; two expiries behind them, one of them after 60.
    const reminders = Array.from(
      { length: 120 },
      (_, i): DueEntry => ({ kind: 'remind_half', recordId: `m${i}`, at: t + i }),
    );
    await schedule.schedule([
      ...reminders,
      { kind: 'expire', recordId: 'mid', at: t + 60 },
      { kind: 'expire', recordId: 'last', at: t + 500 },
    ]);

    expect(await runner.run()).toBe(2);
    const left = await schedule.earliest(200);
    expect(left).toHaveLength(120);
    expect(left.every((e) => e.kind === 'remind_half')).toBe(true);
  });

  it('two processes racing over the same due requests expire each once, with one thread message each', async () => {
    const { redis, prefix, key } = setup();
    const store = createRenewalStore({ redis, prefix });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const created = await store.create({
        orderId: String(900_000 + i),
        channelId: 'C0CERTS',
        requestedBy: 'U0REQUESTER',
        expiresAt: Date.now() - 1,
      });
      if (created.created) ids.push(created.record.id);
    }
    const delivered: string[] = [];
    const runners = [0, 1].map(() => {
      const own = new Redis(testRedisUrl());
      cleanups.push(() => own.disconnect());
      const ownStore = createRenewalStore({ redis: own, prefix });
      const ownSchedule = createDueSchedule({ redis: own, key });
      const expiry = createRequestExpiry({
        store: ownStore,
        deliver: async (recordId) => {
          delivered.push(recordId);
          return { done: true };
        },
        logger,
        now: Date.now,
        due: ownSchedule,
      });
      return createDueRunner({
        schedule: ownSchedule,
        handlers: { expire: expiry.expire },
        logger,
        now: Date.now,
        pollMs: 0,
      });
    });
    await createDueSchedule({ redis, key }).schedule(
      ids.map((recordId) => ({ kind: 'expire', recordId, at: 0 })),
    );

    await Promise.all(runners.map((r) => r.run()));

    expect(ids).toHaveLength(20);
    for (const id of ids) expect((await store.get(id))?.state).toBe('expired');
    expect([...delivered].sort()).toEqual([...ids].sort());
    for (const id of ids)
      expect((await store.audit(id)).filter((e) => e.action === 'expired')).toHaveLength(1);
    expect(await redis.zcard(key)).toBe(0);
  });
});
