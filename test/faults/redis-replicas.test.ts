import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { RenewalRecord } from '../../src/renewals/record.ts';
import { createDurableClaims } from '../../src/worker/durable-claims.ts';
import { durabilityFrom, durableWrites, infoField, probeDurability } from '../../src/worker/durable-redis.ts';
import { applyStep } from '../../src/worker/steps/apply.ts';
import { submitStep } from '../../src/worker/steps/submit.ts';
import { buildOrder, testContactId } from '../support/cas.ts';
import { type PrivateRedis, startRedisServer } from '../support/redis-server.ts';
import { approvedRequest, startWorkerSteps } from '../support/worker-steps.ts';

const servers: PrivateRedis[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  // A stopped replica first resumes: cleaning up writes to its primary.
  for (const server of servers) server.process.kill('SIGCONT');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const server of servers.splice(0)) await server.stop();
});

const renew = 'RenewCertificateOrderForPackageRequest';

/** A primary with AOF (`always`) and, unless told otherwise, one replica that is in sync. */
async function primaryWithReplica() {
  const primary = await startRedisServer({ appendOnly: true });
  servers.push(primary);
  const replica = await startRedisServer({ replicaOf: `127.0.0.1:${new URL(primary.url).port}` });
  servers.push(replica);
  await replicaInSync(replica);
  const admin = new Redis(primary.url);
  cleanups.push(async () => admin.disconnect());
  expect(infoField(await admin.info('replication'), 'connected_slaves')).toBe('1');
  return { primary, replica, admin };
}

/** Resolves once the replica logs that its first sync finished (bounded). */
function replicaInSync(replica: PrivateRedis): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the replica did not sync within 10 s')), 10_000);
    const onData = (chunk: Buffer) => {
      if (!chunk.toString().includes('MASTER <-> REPLICA sync: Finished with success')) return;
      clearTimeout(timer);
      replica.process.stdout?.off('data', onData);
      resolve();
    };
    replica.process.stdout?.on('data', onData);
  });
}

async function commandCalls(admin: Redis, command: string): Promise<number> {
  const stats = await admin.info('commandstats');
  return Number(/calls=(\d+)/.exec(infoField(stats, `cmdstat_${command}`) ?? '')?.[1] ?? 0);
}

type Durable = NonNullable<NonNullable<Parameters<typeof startWorkerSteps>[2]>['durable']>;
async function stepsOn(url: string | undefined, durable: Durable) {
  const order = buildOrder();
  const steps = await startWorkerSteps([order], {}, { ...(url ? { redisUrl: url } : {}), durable });
  cleanups.push(steps.cleanup);
  return { ...steps, record: await approvedRequest(steps.store, order) };
}
const submit = (ctx: Parameters<typeof submitStep>[0], r: RenewalRecord) =>
  submitStep(ctx, r, { recordId: r.id }, undefined);
const renewCalls = (sim: { sim: { calls: Array<{ action: string }> } }) =>
  sim.sim.calls.filter((c) => c.action === renew).length;

describe('what the start-up probe reads (Redis 7.2 has WAITAOF)', () => {
  it.each([
    ['7.2.4', '1', 'everysec', 'waitaof'],
    ['7.2.4', '1', 'always', 'waitaof'],
    ['7.2.4', '1', 'no', 'none'],
    ['7.4.1', '0', 'everysec', 'none'],
    ['7.0.15', '1', 'everysec', 'everysec'],
    ['7.0.15', '1', 'always', 'always'],
    ['7.0.15', '1', 'no', 'none'],
  ])('Redis %s, aof_enabled:%s, appendfsync %s → %s', (version, aof, policy, kind) => {
    const durability = durabilityFrom(
      `# Server\r\nredis_version:${version}\r\n`,
      `# Persistence\r\naof_enabled:${aof}\r\n`,
      policy,
    );

    expect(durability.kind).toBe(kind);
  });
});

describe('Redis 7.2 with a replica: WAITAOF 1 1', () => {
  /** What a Redis 7.2 answers (this machine has 7.0, without WAITAOF): INFO and the WAITAOF reply. */
  function redis72(replicas: number, reply: [number, number]) {
    const calls: string[][] = [];
    const redis = {
      info: async () => `# Replication\r\nrole:master\r\nconnected_slaves:${replicas}\r\n`,
      call: async (...args: string[]) => {
        calls.push(args);
        return reply;
      },
    };
    return { redis: redis as unknown as Redis, calls };
  }
  const waitaof = { kind: 'waitaof', version: '7.2.4' } as const;

  it.each([
    [1, [1, 1] as [number, number]],
    [0, [1, 0] as [number, number]],
  ])('%i replica(s), WAITAOF answers %j: durable', async (replicas, reply) => {
    const { redis, calls } = redis72(replicas, reply);

    await expect(durableWrites(redis, waitaof)()).resolves.toBeUndefined();

    expect(calls).toEqual([['WAITAOF', '1', String(replicas), '5000']]);
  });

  it.each([
    [1, [1, 0] as [number, number]],
    [0, [0, 0] as [number, number]],
  ])('%i replica(s), WAITAOF answers %j: not durable', async (replicas, reply) => {
    const { redis, calls } = redis72(replicas, reply);

    await expect(durableWrites(redis, waitaof)()).rejects.toMatchObject({ code: 'REDIS_NOT_DURABLE' });

    expect(calls).toEqual([['WAITAOF', '1', String(replicas), '5000']]);
  });
});

describe('a claim waits for a replica when one is attached', () => {
  it('WAIT is sent after the claim, and the renewal goes out once the replica has it', async () => {
    const { primary, admin } = await primaryWithReplica();
    const durability = await probeDurability(admin);
    const { sim, store, ctx, record } = await stepsOn(primary.url, (redis) =>
      createDurableClaims(redis, durableWrites(redis, durability)),
    );
    const waitsBefore = await commandCalls(admin, 'wait');

    await submit(ctx, record);

    expect(durability.kind).toBe('always');
    expect(await commandCalls(admin, 'wait')).toBe(waitsBefore + 1);
    expect(renewCalls(sim)).toBe(1);
    expect(await store.get(record.id)).toMatchObject({ state: 'submitted' });
  });

  it('a replica that does not acknowledge (stopped): the claim is not durable, nothing is sent', async () => {
    const { primary, replica, admin } = await primaryWithReplica();
    const durability = await probeDurability(admin);
    const { sim, store, ctx, record } = await stepsOn(primary.url, (redis) =>
      createDurableClaims(redis, durableWrites(redis, durability, { waitAofTimeoutMs: 300 })),
    );
    replica.process.kill('SIGSTOP');

    const step = await submit(ctx, record);

    expect(step).toEqual({ kind: 'later', ms: 10 });
    expect(renewCalls(sim)).toBe(0);
    expect(await store.get(record.id)).toMatchObject({ state: 'approved' });
    expect((await store.audit(record.id)).map((e) => e.action)).toEqual([
      'requested',
      'approved',
      'submitting',
      'not_executed',
    ]);
  });
});

describe('the send is fenced on the claim', () => {
  it("a record whose token changed between the claim and the send (another run's claim) is not sent", async () => {
    const { sim, store, ctx, record } = await stepsOn(undefined, (redis) =>
      createDurableClaims(redis, async () => {
        await redis.hset(`${store.key.record(record.id)}`, 'intentId', 'another-run');
      }),
    );

    const step = await submit(ctx, record);

    expect(step).toEqual({ kind: 'again' });
    expect(renewCalls(sim)).toBe(0);
    expect(await store.get(record.id)).toMatchObject({ state: 'submitting', intentId: 'another-run' });
  });

  it('a record moved out of its claimed state between the claim and the send (same token) is not sent', async () => {
    const { sim, store, ctx, record } = await stepsOn(undefined, (redis) =>
      createDurableClaims(redis, async () => {
        await redis.hset(`${store.key.record(record.id)}`, 'state', 'approved');
      }),
    );

    const step = await submit(ctx, record);

    expect(step).toEqual({ kind: 'again' });
    expect(renewCalls(sim)).toBe(0);
  });

  it('the connection changed between the claim and the wait: the claim is read again there, then waited for', async () => {
    let waits = 0;
    const { sim, store, ctx, record, redis } = await stepsOn(undefined, (redis) =>
      createDurableClaims(redis, async () => {
        waits++;
        if (waits > 1) return;
        redis.disconnect(true);
        await once(redis, 'ready');
      }),
    );

    await submit(ctx, record);

    expect(waits).toBe(2);
    expect(renewCalls(sim)).toBe(1);
    expect(Number(await redis.hget(store.key.record(record.id), 'claimCheckedAt'))).toBeGreaterThan(0);
  });

  it('the claim is gone on the connection after a reconnect (a failover lost it): nothing is sent', async () => {
    const { sim, store, ctx, record } = await stepsOn(undefined, (redis) =>
      createDurableClaims(redis, async () => {
        // What a promoted replica that never had the claim shows: the request still approved.
        await redis.hset(store.key.record(record.id), 'state', 'approved');
        redis.disconnect(true);
        await once(redis, 'ready');
      }),
    );

    const step = await submit(ctx, record);

    expect(step).toEqual({ kind: 'again' });
    expect(renewCalls(sim)).toBe(0);
  });
});

describe('a claim Redis cannot make durable sends nothing', () => {
  it('the applying claim not durable (replica stopped after the renewal): no ApplyCertificate, back to submitted', async () => {
    const { primary, replica, admin } = await primaryWithReplica();
    const durability = await probeDurability(admin);
    const order = buildOrder();
    const steps = await startWorkerSteps(
      [order],
      {},
      {
        redisUrl: primary.url,
        durable: (redis) =>
          createDurableClaims(redis, durableWrites(redis, durability, { waitAofTimeoutMs: 2_000 })),
      },
    );
    cleanups.push(steps.cleanup);
    const { sim, store, ctx } = steps;
    const approved = await approvedRequest(store, order, {
      application: {
        domain: order.domain,
        validationMethod: 'DNS',
        keyAlgorithm: 'RSA_2048',
        contactIds: [testContactId],
      },
    });
    await submit(ctx, approved);
    const submitted = (await store.get(approved.id)) as RenewalRecord;
    replica.process.kill('SIGSTOP');

    await applyStep(ctx, submitted, { recordId: submitted.id }, undefined);

    expect(submitted.state).toBe('submitted');
    expect(sim.sim.calls.filter((c) => c.action === 'ApplyCertificate')).toHaveLength(0);
    expect(await store.get(submitted.id)).toMatchObject({ state: 'submitted' });
    expect((await store.audit(submitted.id)).map((e) => e.action).slice(-2)).toEqual([
      'applying',
      'apply_not_executed',
    ]);
  });
});
