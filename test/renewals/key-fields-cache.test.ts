import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRenewalStore } from '../../src/renewals/store.ts';
import { deleteKeysWithPrefix, testRedisUrl, uniquePrefix } from '../support/redis.ts';

// A move names the request's keys (open order, card, new-order claim) from its key fields as the process last read
// them, without reading them first. Two processes on one prefix: one moves the request on (and claims a new
// order) after the other read it.
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function processes() {
  const prefix = uniquePrefix('key-fields');
  const [a, b] = [0, 1].map(() => {
    const redis = new Redis(testRedisUrl());
    cleanups.push(() => redis.disconnect());
    return { redis, store: createRenewalStore({ redis, prefix, retentionMs: 60_000 }) };
  }) as [
    { redis: Redis; store: ReturnType<typeof createRenewalStore> },
    { redis: Redis; store: ReturnType<typeof createRenewalStore> },
  ];
  cleanups.push(() => deleteKeysWithPrefix(a.redis, prefix).then(() => undefined));
  return { prefix, a, b };
}

async function requestWithCard(store: ReturnType<typeof createRenewalStore>) {
  const created = await store.create({
    orderId: '700100',
    channelId: 'C0CERTS',
    requestedBy: 'U0REQUESTER',
    expiresAt: Date.now() + 3_600_000,
  });
  if (!created.created) throw new Error('not created');
  await store.setCard(created.record.id, 'C0CERTS', '1700000000.000100');
  return created.record.id;
}

describe('the key fields a move names its keys by', () => {
  it('are not read before a move once the process has read the request', async () => {
    const { a } = processes();
    const id = await requestWithCard(a.store);
    await a.store.get(id);
    const hmget = vi.spyOn(Redis.prototype, 'hmget');

    const moved = await a.store.transition(id, 'approved', { actor: 'U0APPROVER' });

    expect(moved.ok).toBe(true);
    expect(hmget).not.toHaveBeenCalled();
  });

  it('a new order claimed by another process since: the move still names its claim (retained with the request)', async () => {
    const { prefix, a, b } = processes();
    const id = await requestWithCard(a.store);
    // Process A reads the request before it has a new order.
    await a.store.get(id);
    await b.store.transition(id, 'approved', { actor: 'U0APPROVER' });
    await b.store.transition(id, 'submitting', { actor: 'worker', lease: { scope: 'd:key.example.com' } });
    await b.store.transition(id, 'submitted', { actor: 'worker', fields: { newOrderId: '700200' } });

    const ended = await a.store.transition(id, 'review_failed', { actor: 'worker' });

    expect(ended.ok).toBe(true);
    // Its claim of the new order ends with the request (the retention clock of every key of it).
    expect(await a.redis.pttl(`${prefix}:new-order:700200`)).toBeGreaterThan(0);
    expect(await a.redis.pttl(`${prefix}:renewal:${id}`)).toBeGreaterThan(0);
  });
});
