import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.ts';
import { createLogger } from '../../src/logging.ts';
import type { DeployTransitionName } from '../../src/renewals/deploy-transitions.ts';
import type { DeploymentRecord } from '../../src/renewals/deployment-record.ts';
import type { RenewalRecord } from '../../src/renewals/record.ts';
import { createRenewalStore } from '../../src/renewals/store.ts';
import type { TransitionName } from '../../src/renewals/transitions.ts';
import { createStepContext } from '../../src/worker/step-context.ts';
import { deployCreateStep } from '../../src/worker/steps/deploy.ts';
import { buildOrder, startCasSim } from '../support/cas.ts';
import { deleteKeysWithPrefix, testRedis, uniquePrefix } from '../support/redis.ts';
import { stepTimings } from '../support/step-timings.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * An issued request whose deployment was approved (`deploy_approved`), and a worker context whose durable write fails with
 * `failure` (Redis did not confirm it on disk, or the fence found the claim no longer this run's).
 */
async function approvedDeployment(failure: 'REDIS_NOT_DURABLE' | 'CLAIM_LOST' = 'REDIS_NOT_DURABLE') {
  const order = buildOrder({ domain: 'claim.example.com' });
  const cas = await startCasSim({ orders: [order] });
  const redis = testRedis();
  const prefix = uniquePrefix('deployclaim');
  cleanups.push(async () => {
    await cas.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });
  const setup = createRenewalStore({ redis, prefix });
  const created = await setup.create({
    orderId: String(order.orderId),
    channelId: 'C0CERTS',
    requestedBy: 'U0REQUESTER',
    expiresAt: Date.now() + 60_000,
    domain: order.domain,
  });
  const id = created.created ? created.record.id : '';
  for (const [name, fields] of [
    ['approved', {}],
    ['submitting', {}],
    ['submitted', { newOrderId: '800000123' }],
    ['issued', {}],
  ] satisfies Array<[TransitionName, Partial<RenewalRecord>]>) {
    const moved = await setup.transition(id, name, { actor: 'test', fields });
    expect(moved.ok).toBe(true);
  }
  const proposal = {
    requestId: id,
    channelId: 'C0CERTS',
    oldCertId: '2',
    newCertId: '1',
    resources: [{ resourceId: '601', product: 'CDN', domain: 'claim.example.com' }],
  };
  for (const [name, fields] of [
    ['deployment_proposed', proposal],
    ['deploy_approved', { run: 1 }],
  ] satisfies Array<[DeployTransitionName, Partial<DeploymentRecord>]>) {
    const moved = await setup.deployments.transition(id, name, { actor: 'test', fields });
    expect(moved.ok).toBe(true);
  }
  const store = createRenewalStore({
    redis,
    prefix,
    durable: async () => {
      throw new AppError(failure, `the claim failed: ${failure}`, {
        retryable: failure === 'REDIS_NOT_DURABLE',
      });
    },
  });
  const ctx = createStepContext({
    store,
    cas: cas.client(),
    deliver: async () => ({ done: true }),
    logger: createLogger({ level: 'silent' }),
    now: Date.now,
    timings: stepTimings({}),
  });
  return { id, store, ctx, sim: cas.sim, record: await setup.deployments.get(id) };
}

/** One run of the step that claims, then creates the deployment job. */
const createJob = (ctx: Parameters<typeof deployCreateStep>[0], record: DeploymentRecord | undefined) =>
  deployCreateStep(
    ctx,
    record as DeploymentRecord,
    { recordId: (record as DeploymentRecord).requestId, run: 1 },
    undefined,
  );

describe('the claim before CreateDeploymentJob', () => {
  it('a failed durable claim: CreateDeploymentJob is not called, the deployment goes back to deploy_approved', async () => {
    const { id, ctx, sim, record, store } = await approvedDeployment();

    const step = await createJob(ctx, record);

    expect(sim.calls.filter((c) => c.action === 'CreateDeploymentJob')).toEqual([]);
    expect(step.kind).toBe('later');
    expect((await store.deployments.get(id))?.state).toBe('deploy_approved');
  });

  it('a claim lost to another worker (the record moved on): CreateDeploymentJob is not called', async () => {
    const { id, ctx, sim, record } = await approvedDeployment();
    await expect(
      ctx.store.deployments.transition(id, 'deploy_creating', {
        actor: 'other worker',
        fields: { creatingAt: 1 },
      }),
    ).rejects.toMatchObject({ code: 'REDIS_NOT_DURABLE' });

    const step = await createJob(ctx, record);

    expect(sim.calls.filter((c) => c.action === 'CreateDeploymentJob')).toEqual([]);
    expect(step).toEqual({ kind: 'again' });
  });

  it('a claim fenced off (CLAIM_LOST: another run holds it with its own token): CreateDeploymentJob is not called', async () => {
    const { id, ctx, sim, record, store } = await approvedDeployment('CLAIM_LOST');

    const step = await createJob(ctx, record);

    expect(sim.calls.filter((c) => c.action === 'CreateDeploymentJob')).toEqual([]);
    expect(step).toEqual({ kind: 'again' });
    // The record is the other run's to move on: this one hands nothing back.
    expect((await store.deployments.get(id))?.state).toBe('deploy_creating');
  });
});
