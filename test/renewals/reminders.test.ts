import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createApproverDirectory } from '../../src/approval/approvers.ts';
import { createDecisionPolicy } from '../../src/approval/decisions.ts';
import { createLogger } from '../../src/logging.ts';
import { createDueRunner } from '../../src/renewals/due-runner.ts';
import { dueReminder, reminderTimes } from '../../src/renewals/reminders.ts';
import { createDueSchedule, dueEntries } from '../../src/renewals/request-due.ts';
import { createRequestReminders, remindIfDue } from '../../src/renewals/request-reminders.ts';
import { createRenewalStore } from '../../src/renewals/store.ts';
import { deleteKeysWithPrefix, testRedisUrl, uniquePrefix } from '../support/redis.ts';

const hour = 3_600_000;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('when a request reminds', () => {
  it.each([
    [
      '24 h',
      24 * hour,
      [
        ['half', 12 * hour],
        ['last', 23 * hour],
      ],
    ],
    [
      '3 h',
      3 * hour,
      [
        ['half', 1.5 * hour],
        ['last', 2 * hour],
      ],
    ],
    ['exactly 2 h: no last reminder', 2 * hour, [['half', hour]]],
    ['10 minutes', 600_000, [['half', 300_000]]],
  ] as const)('a TTL of %s', (_label, ttl, expected) => {
    const times = reminderTimes({ requestedAt: 0, expiresAt: ttl });

    expect(times.map((t) => [t.mark, t.at])).toEqual(expected);
  });

  it('each reminder once, the next due entry after it, and only the latest one after a long outage', () => {
    const r = { id: 'r1', requestedAt: 0, expiresAt: 24 * hour };
    const expire = { kind: 'expire', recordId: 'r1', at: 24 * hour };

    expect(dueReminder(r, 11 * hour)).toBeUndefined();
    expect(dueEntries(r)).toEqual([expire, { kind: 'remind_half', recordId: 'r1', at: 12 * hour }]);
    expect(dueReminder(r, 12 * hour)).toBe('half');
    expect(dueReminder({ ...r, reminded: 'half' }, 12 * hour)).toBeUndefined();
    expect(dueEntries({ ...r, reminded: 'half' })).toEqual([
      expire,
      { kind: 'remind_last', recordId: 'r1', at: 23 * hour },
    ]);
    expect(dueReminder(r, 23.5 * hour)).toBe('last');
    expect(dueEntries({ ...r, reminded: 'last' })).toEqual([expire]);
    expect(dueReminder(r, 24 * hour)).toBeUndefined();
  });
});

/** A request waiting for a decision with a 4 h TTL, on a clock the test moves. */
async function waitingRequest() {
  const redis = new Redis(testRedisUrl());
  const prefix = uniquePrefix('reminders');
  cleanups.push(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });
  const clock = { now: 1_000_000 };
  const store = createRenewalStore({ redis, prefix, now: () => clock.now });
  const created = await store.create({
    orderId: '800123',
    channelId: 'C0CERTS',
    requestedBy: 'U0REQUESTER',
    expiresAt: clock.now + 4 * hour,
  });
  if (!created.created) throw new Error('not created');
  const logger = createLogger({ level: 'silent' });
  const approvers = createApproverDirectory({
    approvers: ['U0APPROVER'],
    listGroupMembers: async () => [],
    logger,
  });
  return {
    redis,
    prefix,
    clock,
    store,
    record: created.record,
    logger,
    decisions: createDecisionPolicy({ approvers }),
  };
}

describe('the reminder move', () => {
  it('two processes waking the same request at once post its reminder once (compare-and-set on the mark)', async () => {
    const { redis, clock, store, record, decisions } = await waitingRequest();
    const deps = { store, decisions, now: () => clock.now };
    clock.now += 2 * hour;

    const results = await Promise.all(Array.from({ length: 10 }, () => remindIfDue(deps, record)));

    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    const audit = await store.audit(record.id);
    expect(audit.map((e) => e.action)).toEqual(['requested', 'reminded']);
    const outbox = await redis.lrange(store.key.outbox(record.id), 0, -1);
    const events = outbox.map((i) => JSON.parse(i) as { event?: { type: string; approvers: string[] } });
    expect(events.filter((i) => i.event?.type === 'reminder').map((i) => i.event?.approvers)).toEqual([
      ['U0APPROVER'],
    ]);
  });

  it('five processes running the half-way entry at once: one reminder, one delivery, then the last one is due', async () => {
    const { redis, prefix, clock, store, record, logger, decisions } = await waitingRequest();
    const id = record.id;
    const key = `${prefix}:request-due`;
    const schedule = createDueSchedule({ redis, key });
    await schedule.schedule(dueEntries(record));
    const delivered: string[] = [];
    const runners = Array.from({ length: 5 }, () => {
      const reminders = createRequestReminders({
        store,
        decisions,
        now: () => clock.now,
        logger,
        deliver: async (recordId) => {
          delivered.push(recordId);
          return { done: true };
        },
        due: schedule,
      });
      const handlers = { remind_half: reminders.remind, remind_last: reminders.remind };
      return createDueRunner({ schedule, handlers, logger, now: () => clock.now, pollMs: 0 });
    });
    clock.now += 2 * hour;

    await Promise.all(runners.map((r) => r.run()));

    expect((await store.audit(id)).map((e) => [e.action, e.detail])).toEqual([
      ['requested', undefined],
      ['reminded', 'half'],
    ]);
    expect(delivered).toEqual([id]);
    expect(await redis.zrange(key, '0', '-1', 'WITHSCORES')).toEqual([
      `remind_last:${id}`,
      String(record.expiresAt - hour),
      `expire:${id}`,
      String(record.expiresAt),
    ]);
  });
});
