import { once } from 'node:events';
import { Queue, Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { enqueueRenewal, ensureRenewalRuns, renewalJobId, requeueRenewal } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/logging.ts';
import { createRenewalStore } from '../../src/renewals/store.ts';
import { createRenewalProcessor, type RenewalJobData } from '../../src/worker/renewal-processor.ts';
import { startCasSim } from '../support/cas.ts';
import { deleteKeysWithPrefix, testRedis, uniquePrefix } from '../support/redis.ts';
import { stepTimings } from '../support/step-timings.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('more work given to a request while its job is still finishing', () => {
  it('a kick job requeues the renewal job once it has completed: the new work is not left to the sweeper', async () => {
    const sim = await startCasSim();
    const redis = testRedis();
    const prefix = uniquePrefix('kick');
    const store = createRenewalStore({ redis, prefix });
    const queue = new Queue<RenewalJobData>('renewals', { connection: redis, prefix });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const delivered = new (await import('node:events')).EventEmitter();
    let deliveries = 0;
    const process = createRenewalProcessor({
      store,
      cas: sim.client(),
      // The first run blocks in delivery (its job stays active); later runs go through.
      deliver: async () => {
        deliveries += 1;
        delivered.emit('delivery', deliveries);
        if (deliveries === 1) await gate;
        return { done: true };
      },
      requeue: (recordId) => requeueRenewal(queue, recordId),
      logger: createLogger({ level: 'silent' }),
      now: Date.now,
      timings: stepTimings(),
    });
    const worker = new Worker<RenewalJobData>('renewals', process, { connection: testRedis(), prefix });
    cleanups.push(async () => {
      await worker.close();
      await queue.close();
      await sim.close();
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    });
    // A finished request: a run has nothing to do but deliver.
    const created = await store.create({
      orderId: '123',
      channelId: 'C0CERTS',
      requestedBy: 'U0REQUESTER',
      expiresAt: Date.now() + 60_000,
    });
    const id = created.created ? created.record.id : '';
    await store.transition(id, 'rejected', { actor: 'U0APPROVER' });
    await enqueueRenewal(queue, id);
    await once(delivered, 'delivery', { signal: AbortSignal.timeout(10_000) });

    await ensureRenewalRuns(queue, id);
    const kick = await queue.getJob(`kick-${id}`);
    release();
    const [second] = await once(delivered, 'delivery', { signal: AbortSignal.timeout(10_000) });

    expect(kick?.name).toBe('kick');
    expect(second).toBe(2);
    expect(await (await queue.getJob(renewalJobId(id)))?.getState()).toMatch(/active|completed|waiting/);
  });
});
