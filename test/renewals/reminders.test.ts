import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createApproverDirectory } from '../../src/approval/approvers.ts';
import { createDecisionPolicy } from '../../src/approval/decisions.ts';
import { createLogger } from '../../src/logging.ts';
import { dueReminder, nextWakeAt, reminderTimes } from '../../src/renewals/reminders.ts';
import { remindIfDue } from '../../src/renewals/request-reminders.ts';
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

  it('each reminder once, the next wake after it, and only the latest one after a long outage', () => {
    const r = { requestedAt: 0, expiresAt: 24 * hour };

    expect(dueReminder(r, 11 * hour)).toBeUndefined();
    expect(nextWakeAt(r)).toBe(12 * hour);
    expect(dueReminder(r, 12 * hour)).toBe('half');
    expect(dueReminder({ ...r, reminded: 'half' }, 12 * hour)).toBeUndefined();
    expect(nextWakeAt({ ...r, reminded: 'half' })).toBe(23 * hour);
    expect(dueReminder(r, 23.5 * hour)).toBe('last');
    expect(nextWakeAt({ ...r, reminded: 'last' })).toBe(24 * hour);
    expect(dueReminder(r, 24 * hour)).toBeUndefined();
  });
});

describe('the reminder move', () => {
  it('two processes waking the same request at once post its reminder once (compare-and-set on the mark)', async () => {
    const redis = new Redis(testRedisUrl());
    const prefix = uniquePrefix('reminders');
    cleanups.push(async () => {
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    });
    let now = 1_000_000;
    const store = createRenewalStore({ redis, prefix, now: () => now });
    const created = await store.create({
      orderId: '800123',
      channelId: 'C0CERTS',
      requestedBy: 'U0REQUESTER',
      expiresAt: now + 4 * hour,
    });
    if (!created.created) throw new Error('not created');
    const logger = createLogger({ level: 'silent' });
    const approvers = createApproverDirectory({
      approvers: ['U0APPROVER'],
      listGroupMembers: async () => [],
      logger,
    });
    const deps = { store, decisions: createDecisionPolicy({ approvers }), now: () => now };
    now += 2 * hour;

    const results = await Promise.all(Array.from({ length: 10 }, () => remindIfDue(deps, created.record)));

    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    const audit = await store.audit(created.record.id);
    expect(audit.map((e) => e.action)).toEqual(['requested', 'reminded']);
    const outbox = await redis.lrange(store.key.outbox(created.record.id), 0, -1);
    const events = outbox.map((i) => JSON.parse(i) as { event?: { type: string; approvers: string[] } });
    expect(events.filter((i) => i.event?.type === 'reminder').map((i) => i.event?.approvers)).toEqual([
      ['U0APPROVER'],
    ]);
  });
});
