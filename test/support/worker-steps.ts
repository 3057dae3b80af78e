import { Redis } from 'ioredis';
import type { SimSeed } from '../../src/cas-sim/seed.ts';
import { createLogger } from '../../src/logging.ts';
import type { DurableClaims } from '../../src/renewals/claim-fence.ts';
import { createRenewalStore, type NewRequest, type RenewalStore } from '../../src/renewals/store.ts';
import { createStepContext } from '../../src/worker/step-context.ts';
import { approverId } from './app-harness.ts';
import { buildOrder, startCasSim } from './cas.ts';
import { deleteKeysWithPrefix, testRedisUrl, uniquePrefix } from './redis.ts';
import { stepTimings } from './step-timings.ts';

/** Step timings for racing the worker's steps: no waits, a few retries. */
export const raceTimings = stepTimings({
  submitRetryBaseMs: 10,
  maxSubmitRetries: 3,
  maxUnknowns: 3,
  maxPollErrors: 3,
  persistResultMs: 5_000,
  maxRunFailures: 10,
});

/** An order bought a year ago, about to expire (so only a renewal's new order is recent). */
export const oldOrder = (overrides: Parameters<typeof buildOrder>[0] = {}) =>
  buildOrder({ buyDate: Date.now() - 360 * 86_400_000, ...overrides });

/**
 * The worker's steps over real Redis and the simulator, without BullMQ: so two runs can be raced exactly.
 * `cleanup` closes the simulator and removes every key of the test's prefix.
 */
export async function startWorkerSteps(
  orders: ReturnType<typeof buildOrder>[],
  seed: SimSeed = {},
  options: { redisUrl?: string; durable?: (redis: Redis) => DurableClaims } = {},
) {
  const sim = await startCasSim({ ...seed, orders, qps: { ListUserCertificateOrder: 1_000 } });
  const redis = new Redis(options.redisUrl ?? testRedisUrl());
  const prefix = uniquePrefix('once');
  const durable = options.durable?.(redis);
  const store = createRenewalStore({ redis, prefix, ...(durable ? { durable } : {}) });
  const ctx = createStepContext({
    store,
    cas: sim.client({ timeoutMs: 1_000 }),
    deliver: async () => ({ done: true }),
    logger: createLogger({ level: 'silent' }),
    now: Date.now,
    timings: raceTimings,
  });
  const cleanup = async () => {
    await sim.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  };
  return { sim, store, ctx, redis, prefix, cleanup };
}

/** A request for `order` (with `extra` fields, e.g. its application), created and approved. */
export async function approvedRequest(
  store: RenewalStore,
  order: ReturnType<typeof buildOrder>,
  extra: Partial<NewRequest> = {},
) {
  const created = await store.create({
    orderId: String(order.orderId),
    channelId: 'C0CERTS',
    requestedBy: 'U0REQUESTER',
    expiresAt: Date.now() + 60_000,
    domain: order.domain,
    ...extra,
  });
  if (!created.created) throw new Error('the order already had a request');
  const approved = await store.transition(created.record.id, 'approved', { actor: approverId });
  if (!approved.ok) throw new Error('not approved');
  return approved.record;
}
