import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRenewalStore } from '../../src/renewals/store.ts';
import { deleteKeysWithPrefix, testRedisUrl, uniquePrefix } from '../support/redis.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function requestWithOutbox() {
  const prefix = uniquePrefix('fence');
  const redis = new Redis(testRedisUrl());
  cleanups.push(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });
  const store = createRenewalStore({ redis, prefix });
  const created = await store.create({
    orderId: '7001',
    channelId: 'C1',
    requestedBy: 'U1',
    expiresAt: Date.now() + 1e6,
  });
  if (!created.created) throw new Error('not created');
  const id = created.record.id;
  // Two changes, each queueing a card refresh.
  await store.transition(id, 'csr_attached', { actor: 'U1', detail: 'one' });
  await store.transition(id, 'csr_attached', { actor: 'U1', detail: 'two' });
  return { redis, store, id };
}

describe("an outbox item is removed only under its deliverer's lock", () => {
  it('a deliverer whose lock expired and was taken by another removes nothing, and ends nothing of the other', async () => {
    const { redis, store, id } = await requestWithOutbox();
    const first = await store.lockOutbox(id, 30_000);
    if (!first) throw new Error('no lock');
    const entries = await store.readOutbox(id);
    expect(entries).toHaveLength(2);
    // The first deliverer's lock runs out (as if it stalled past its TTL) and a second one takes it.
    await redis.del(store.key.outboxLock(id));
    const second = await store.lockOutbox(id, 30_000);
    if (!second) throw new Error('no lock');

    const removal = await store.removeOutboxItems(id, entries, first, true);

    expect(removal).toEqual({ removed: false, left: undefined });
    expect(await store.readOutbox(id)).toHaveLength(2);
    expect(await redis.get(store.key.outboxLock(id))).toBe(second.token);
    expect(await store.idsWithOutbox()).toEqual([id]);
  });

  it('the holder removing the last items ends the delivery in the same step: lock released, request unindexed', async () => {
    const { redis, store, id } = await requestWithOutbox();
    const lock = await store.lockOutbox(id, 30_000);
    if (!lock) throw new Error('no lock');
    const entries = await store.readOutbox(id);

    expect(await store.removeOutboxItems(id, entries.slice(0, 1), lock)).toEqual({
      removed: true,
      left: undefined,
    });
    expect(await store.idsWithOutbox()).toEqual([id]);
    expect(await store.removeOutboxItems(id, entries.slice(1), lock, true)).toEqual({
      removed: true,
      left: 0,
    });
    expect(await store.readOutbox(id)).toEqual([]);
    expect(await redis.exists(store.key.outboxLock(id))).toBe(0);
    expect(await store.idsWithOutbox()).toEqual([]);
  });

  it('removes exactly the delivered items, in one step when they are the head of the list, and else one by one', async () => {
    const { redis, store, id } = await requestWithOutbox();
    const lock = await store.lockOutbox(id, 30_000);
    if (!lock) throw new Error('no lock');
    const entries = await store.readOutbox(id);
    // Not as the store queues (only at the tail), so that the delivered items are not the head of the list.
    await redis.lpush(store.key.outbox(id), 'not-delivered');

    const removal = await store.removeOutboxItems(id, entries, lock);

    expect(removal).toEqual({ removed: true, left: undefined });
    expect(await redis.lrange(store.key.outbox(id), 0, -1)).toEqual(['not-delivered']);
  });

  it('removes the head in order: an item delivered later than one not yet delivered is not taken for it', async () => {
    const { redis, store, id } = await requestWithOutbox();
    const lock = await store.lockOutbox(id, 30_000);
    if (!lock) throw new Error('no lock');
    const [first, second] = await store.readOutbox(id);
    if (!first || !second) throw new Error('two items expected');

    const removal = await store.removeOutboxItems(id, [second], lock);

    expect(removal).toEqual({ removed: true, left: undefined });
    expect(await redis.lrange(store.key.outbox(id), 0, -1)).toEqual([first.raw]);
  });
});
