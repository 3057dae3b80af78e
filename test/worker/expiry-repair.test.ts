import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expiryJobId, queueNames, type RecordJobData, scheduleExpiry } from '../../src/jobs/queues.ts';
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

describe('a request written without its expiry job', () => {
  it('scheduling fails right after the write: the card still goes out, no false "nothing was changed", and the sweeper makes it expire', async () => {
    const order = buildOrder();
    h = await startAppHarness({ worker: {}, appDeps: { requestTtlMs: 300 }, seed: { orders: [order] } });
    const harness = h;
    const approvals = new Queue<RecordJobData>(queueNames.approvals, {
      connection: harness.app.redis,
      prefix: harness.prefix,
    });
    cleanups.push(() => approvals.close());
    // The seam: the next job added anywhere (the expiry job) fails, as when Redis drops the connection.
    const add = vi.spyOn(Queue.prototype, 'add').mockRejectedValueOnce(new Error('Connection is closed.'));

    const card = await openCard(harness, String(order.orderId));

    expect(add.mock.calls[0]?.[0]).toBe('expire');
    expect(await approvals.getJob(expiryJobId(card.recordId as string))).toBeUndefined();
    // The request is real and its card is up: the person is not told that nothing was changed.
    expect(card.recordId).toBeDefined();
    expect(harness.slack.responses.map((r) => String(r.body.text))).not.toContainEqual(
      expect.stringContaining('nothing was changed'),
    );
    await harness.waitForLog((e) => e.msg === 'expiry job not scheduled; the sweeper schedules it');

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
    // The order is free again.
    expect(await harness.app.redis.exists(`${harness.prefix}:order-open:${order.orderId}`)).toBe(0);
  });
});

describe('sweepExpiries', () => {
  async function setup() {
    const redis = new Redis(testRedisUrl());
    const prefix = uniquePrefix('expiry-repair');
    const queue = new Queue<RecordJobData>(queueNames.approvals, { connection: redis, prefix });
    cleanups.push(async () => {
      await queue.close();
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    });
    const store = createRenewalStore({ redis, prefix });
    const now = Date.now();
    const created = await store.create({
      orderId: '800123',
      channelId,
      requestedBy: 'U0REQUESTER',
      expiresAt: now + 3_600_000,
    });
    if (!created.created) throw new Error('not created');
    const sweep = () =>
      sweepExpiries({ redis, store, queue, logger: createLogger({ level: 'silent' }), now: () => now });
    return { queue, store, prefix, id: created.record.id, sweep };
  }

  it('leaves a request whose expiry job is pending alone, and schedules one whose job is gone', async () => {
    const { queue, id, sweep } = await setup();
    await scheduleExpiry(queue, id, 3_600_000);

    expect(await sweep()).toBe(0);

    const job = await queue.getJob(expiryJobId(id));
    await job?.remove();
    expect(await sweep()).toBe(1);
    const again = await queue.getJob(expiryJobId(id));
    expect(await again?.getState()).toBe('delayed');
    // Due at its first reminder, half-way through its TTL (then the same job wakes it at its expiry).
    expect(again?.delay).toBe(1_800_000);
    expect(await sweep()).toBe(0);
  });

  it('schedules again a request whose expiry job failed (an add under the same ID would do nothing)', async () => {
    const { queue, prefix, id, sweep } = await setup();
    const connection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    const worker = new Worker<RecordJobData>(
      queueNames.approvals,
      async () => {
        throw new Error('Redis went away mid-job');
      },
      { connection, prefix },
    );
    cleanups.push(async () => {
      await worker.close();
      connection.disconnect();
    });
    const failed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the expiry job did not fail within 5 s')), 5_000);
      worker.on('failed', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await scheduleExpiry(queue, id, 0);
    await failed;
    await worker.close();

    expect(await (await queue.getJob(expiryJobId(id)))?.getState()).toBe('failed');
    expect(await sweep()).toBe(1);
    expect(await (await queue.getJob(expiryJobId(id)))?.getState()).toBe('delayed');
  });

  it('does not touch decided requests', async () => {
    const { queue, store, id, sweep } = await setup();
    await store.transition(id, 'rejected', { actor: 'U0APPROVER', fields: { decidedBy: 'U0APPROVER' } });

    expect(await sweep()).toBe(0);
    expect(await queue.getJob(expiryJobId(id))).toBeUndefined();
  });
});
