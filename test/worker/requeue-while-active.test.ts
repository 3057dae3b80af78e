import { once } from 'node:events';
import { Queue, Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { deployJobId, enqueueDeployment } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/logging.ts';
import type { DeployTransitionName } from '../../src/renewals/deploy-transitions.ts';
import type { DeploymentRecord } from '../../src/renewals/deployment-record.ts';
import { createRenewalStore, type RenewalStore } from '../../src/renewals/store.ts';
import { runDeployStep } from '../../src/worker/deploy-run.ts';
import { createRenewalProcessor, type RenewalJobData } from '../../src/worker/renewal-processor.ts';
import { createStepContext } from '../../src/worker/step-context.ts';
import { startCasSim } from '../support/cas.ts';
import { deleteKeysWithPrefix, testRedis, uniquePrefix } from '../support/redis.ts';
import { stepTimings } from '../support/step-timings.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An issued request whose deployment ended `deployed` (an endpoint still served the old certificate), run 1. */
async function deployedOnce(store: RenewalStore): Promise<string> {
  const created = await store.create({
    orderId: '123',
    channelId: 'C0CERTS',
    requestedBy: 'U0REQUESTER',
    expiresAt: Date.now() + 60_000,
  });
  const id = created.created ? created.record.id : '';
  for (const step of ['approved', 'submitting', 'submitted', 'issued'] as const)
    await store.transition(id, step, { actor: 'test', fields: { newOrderId: '9123' } });
  const steps: Array<[DeployTransitionName, Partial<DeploymentRecord>]> = [
    ['deployment_proposed', { requestId: id, channelId: 'C0CERTS', oldCertId: '1', newCertId: '2' }],
    ['deploy_approved', { run: 1, newCertSha256: 'aa' }],
    ['deploy_creating', {}],
    ['deploy_started', {}],
    ['deploy_finished', { results: [] }],
    ['tls_not_serving', { tlsResults: [{ domain: 'a.example.com', address: 'x', outcome: 'old' }] }],
  ];
  for (const [name, fields] of steps) {
    const moved = await store.deployments.transition(id, name, { actor: 'test', fields });
    if (!moved.ok) throw new Error(`${name} refused: ${moved.reason}`);
  }
  return id;
}

describe('a decision given while the previous deployment run is still finishing', () => {
  it('runs at once as a job of its own (no kick, no wait for the finishing job, no clash of job IDs)', async () => {
    const sim = await startCasSim();
    const redis = testRedis();
    const prefix = uniquePrefix('deployrun');
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
      logger: createLogger({ level: 'silent' }),
      now: Date.now,
      timings: stepTimings(),
    });
    const worker = new Worker<RenewalJobData>('renewals', process, {
      connection: testRedis(),
      prefix,
      concurrency: 2,
    });
    cleanups.push(async () => {
      release();
      await worker.close();
      await queue.close();
      await sim.close();
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    });
    const id = await deployedOnce(store);
    await enqueueDeployment(queue, id, 1);
    await once(delivered, 'delivery', { signal: AbortSignal.timeout(10_000) });

    // Check again, as the service does it: the row counts run 2, whose job is queued at once.
    const current = await store.deployments.get(id);
    await store.deployments.transition(id, 'tls_recheck', {
      actor: 'U0APPROVER',
      ifVersion: current?.version,
      fields: { run: 2 },
    });
    await enqueueDeployment(queue, id, 2);
    const [second] = await once(delivered, 'delivery', { signal: AbortSignal.timeout(10_000) });

    expect(second).toBe(2);
    expect(await (await queue.getJob(deployJobId(id, 1)))?.getState()).toBe('active');
    expect(await (await queue.getJob(deployJobId(id, 2)))?.getState()).toMatch(/active|completed/);
    expect((await store.deployments.get(id))?.state).toBe('deployed');
    expect((await store.audit(id)).filter((e) => e.action === 'tls_not_serving')).toHaveLength(2);
  });

  it("a run's job whose deployment has moved on to a later run does nothing", async () => {
    const sim = await startCasSim();
    const redis = testRedis();
    const prefix = uniquePrefix('deployrun');
    cleanups.push(async () => {
      await sim.close();
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    });
    const store = createRenewalStore({ redis, prefix });
    const id = await deployedOnce(store);
    await store.deployments.transition(id, 'tls_recheck', { actor: 'U0APPROVER', fields: { run: 2 } });
    const ctx = createStepContext({
      store,
      cas: sim.client(),
      deliver: async () => ({ done: true }),
      logger: createLogger({ level: 'silent' }),
      now: Date.now,
      timings: stepTimings(),
    });
    const deployment = (await store.deployments.get(id)) as DeploymentRecord;

    const stale = await runDeployStep(ctx, deployment, { recordId: id, run: 1 }, undefined);

    expect(stale).toEqual({ kind: 'done' });
    expect((await store.deployments.get(id))?.state).toBe('verifying');
  });
});
