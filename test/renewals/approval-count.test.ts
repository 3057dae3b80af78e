import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { queueNames, type RecordJobData } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/logging.ts';
import { vote } from '../../src/renewals/approval-vote.ts';
import { createScheduledMoves } from '../../src/renewals/scheduled-move.ts';
import { createRenewalStore } from '../../src/renewals/store.ts';
import { deleteKeysWithPrefix, testRedisUrl, uniquePrefix } from '../support/redis.ts';

// The distinct-approver count in the store's one script (store-scripts.ts): `approval_counted` adds an approver
// short of the count, `approved` moves only when the approvers reach it.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const redis = new Redis(testRedisUrl());
  const prefix = uniquePrefix('approval-count');
  const renewals = new Queue<RecordJobData>(queueNames.renewals, { connection: redis, prefix });
  cleanups.push(async () => {
    await renewals.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });
  const store = createRenewalStore({ redis, prefix });
  const move = createScheduledMoves({ store, renewals, logger: createLogger({ level: 'silent' }) });
  let order = 800100;
  const open = async () => {
    order += 1;
    const created = await store.create({
      orderId: String(order),
      channelId: 'C0CERTS',
      requestedBy: 'U0REQUESTER',
      expiresAt: Date.now() + 3_600_000,
    });
    if (!created.created) throw new Error('not created');
    return created.record;
  };
  return { store, move, renewals, open };
}

describe('the approval rows', () => {
  it('count distinct approvers short of the count; the one reaching it must make the approved move', async () => {
    const { store, open } = await setup();
    const r = await open();
    const count = (actor: string) =>
      store.transition(r.id, 'approval_counted', { actor, approvalsRequired: 2, ifVersion: r.version });

    expect(await count('U0ANA')).toMatchObject({ ok: true, record: { approvals: ['U0ANA'] } });
    expect(await count('U0ANA')).toMatchObject({ ok: false, reason: 'approval_repeated', count: 1 });
    expect(await count('U0BEN')).toMatchObject({ ok: false, reason: 'approval_quorum', count: 2 });
    expect((await store.get(r.id))?.approvals).toEqual(['U0ANA']);
  });

  it('approved moves only when the approvers with the clicker reach the count, and writes nothing short of it', async () => {
    const { store, open } = await setup();
    const r = await open();
    const approve = (actor: string) =>
      store.transition(r.id, 'approved', { actor, approvalsRequired: 2, ifVersion: r.version });

    expect(await approve('U0ANA')).toMatchObject({ ok: false, reason: 'approval_short', count: 1 });
    expect(await store.get(r.id)).toMatchObject({ state: 'requested', version: r.version, approvals: [] });
    await store.transition(r.id, 'approval_counted', { actor: 'U0ANA', approvalsRequired: 2 });
    expect(await approve('U0ANA')).toMatchObject({ ok: false, reason: 'approval_short', count: 1 });
    expect(await approve('U0BEN')).toMatchObject({ ok: true, record: { approvals: ['U0ANA', 'U0BEN'] } });
  });

  it('one click each by two approvers at once, 20 times over: every request approved exactly once', async () => {
    const { store, move, renewals, open } = await setup();
    const records = await Promise.all(Array.from({ length: 20 }, () => open()));

    await Promise.all(
      records.flatMap((record) =>
        ['U0ANA', 'U0BEN'].map((userId) =>
          vote(
            { store, move },
            { row: 'approved', record, userId, seenVersion: record.version, required: 2, at: 1 },
            { kind: 'event', event: { type: 'approved', by: userId, at: 1 } },
          ),
        ),
      ),
    );

    for (const record of records) {
      expect((await store.get(record.id))?.state).toBe('approved');
      expect((await store.audit(record.id)).filter((e) => e.action === 'approved')).toHaveLength(1);
    }
    expect(await renewals.getJobCounts('waiting')).toEqual({ waiting: 20 });
  });
});
