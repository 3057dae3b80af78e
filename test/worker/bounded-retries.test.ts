import { Queue, QueueEvents, Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging.ts';
import { createRenewalStore } from '../../src/renewals/store.ts';
import { createRenewalProcessor, type RenewalJobData } from '../../src/worker/renewal-processor.ts';
import { sweepOrphans } from '../../src/worker/sweeper.ts';
import { buildOrder, startCasSim } from '../support/cas.ts';
import { deleteKeysWithPrefix, testRedis, uniquePrefix } from '../support/redis.ts';
import {
  approvedRotationRequest,
  quickSubscriptions,
  rotated,
  rotationSubscription,
} from '../support/rotation.ts';
import { stepTimings } from '../support/step-timings.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A worker against `sim` with a bug that throws `error` on every run after the steps (here: delivering the thread),
 * giving up after `maxRunFailures` runs; stopped (and its keys deleted) after the test.
 */
async function failingWorker(
  sim: Awaited<ReturnType<typeof startCasSim>>,
  maxRunFailures: number,
  error: string,
) {
  const redis = testRedis();
  const prefix = uniquePrefix('fail');
  const logger = createLogger({ level: 'silent' });
  const store = createRenewalStore({ redis, prefix });
  const process = createRenewalProcessor({
    store,
    cas: sim.client(),
    deliver: async () => {
      throw new Error(error);
    },
    logger,
    now: Date.now,
    timings: stepTimings({ casTimeoutMs: 1_000, maxRunFailures }),
  });
  const queue = new Queue<RenewalJobData>('renewals', { connection: redis, prefix });
  const events = new QueueEvents('renewals', { connection: testRedis(), prefix });
  const worker = new Worker<RenewalJobData>('renewals', process, { connection: testRedis(), prefix });
  cleanups.push(async () => {
    await worker.close();
    await events.close();
    await queue.close();
    await sim.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });
  return { store, queue, events, logger };
}

describe('a request whose worker runs keep failing', () => {
  it('goes to needs attention with the last error after CERT_MAX_JOB_FAILURES runs, across retries and sweeps', async () => {
    // The new order stays pending, so the request stays with the worker run after run.
    const order = buildOrder({ renewScript: [{ type: 'payed', polls: 1_000 }] });
    const sim = await startCasSim({ orders: [order] });
    // With a key in it: free text from an error reaches the record and the thread only scrubbed.
    const { store, queue, events, logger } = await failingWorker(
      sim,
      5,
      'planted failure in delivery -----BEGIN PRIVATE KEY-----\nMIIEplanted\n-----END PRIVATE KEY-----',
    );
    const created = await store.create({
      orderId: String(order.orderId),
      channelId: 'C0CERTS',
      requestedBy: 'U0REQUESTER',
      expiresAt: Date.now() + 60_000,
      domain: order.domain,
    });
    const id = created.created ? created.record.id : '';
    await store.transition(id, 'approved', { actor: 'U0APPROVER' });
    const nextFailure = () =>
      new Promise<string>((resolve) => events.once('failed', ({ failedReason }) => resolve(failedReason)));
    await events.waitUntilReady();

    // Three attempts, then the job fails; the sweeper enqueues it again (as it does for any lost job).
    const first = nextFailure();
    await queue.add('renew', { recordId: id }, { jobId: `renew-${id}`, attempts: 3 });
    await first;
    const second = nextFailure();
    await sweepOrphans({ store, queue, logger });
    const reason = await second;
    const requeued = await sweepOrphans({ store, queue, logger });

    const record = await store.get(id);
    expect(record).toMatchObject({ state: 'needs_attention', failures: 5 });
    expect(record?.attention).toEqual({
      code: 'run_failures',
      failures: 5,
      lastError: 'planted failure in delivery [PEM redacted]',
    });
    expect(requeued).toBe(0);
    const job = await queue.getJob(`renew-${id}`);
    expect(job?.attemptsMade).toBe(2);
    expect(reason).toMatch(/gave up after 5 failed runs/);
    expect(sim.sim.renewCount()).toBe(1);
  });

  it("a rotation's needs-attention reason names its subscription (for the thread and the card)", async () => {
    const sim = await startCasSim({
      subscriptions: [rotationSubscription()],
      subscriptionApi: { ...quickSubscriptions, issueMs: 600_000 },
    });
    const { store, queue, events } = await failingWorker(sim, 1, 'planted failure in delivery');
    const record = await approvedRotationRequest(store);
    await events.waitUntilReady();
    const failed = new Promise<string>((resolve) =>
      events.once('failed', ({ failedReason }) => resolve(failedReason)),
    );

    await queue.add('renew', { recordId: record.id }, { jobId: `renew-${record.id}`, attempts: 1 });
    const reason = await failed;

    expect(reason).toMatch(/gave up after 1 failed runs/);
    expect((await store.get(record.id))?.attention).toEqual({
      code: 'run_failures',
      failures: 1,
      lastError: 'planted failure in delivery',
      instanceId: rotated.instanceId,
    });
  });
});
