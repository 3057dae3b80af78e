import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { OutboxItem, OutboxLock } from './store.ts';
import { extendLockScript, releaseLockScript } from './store-scripts.ts';

/** An outbox item as read, with the exact value stored (it names the item for its removal). */
export interface OutboxEntry {
  item: OutboxItem;
  raw: string;
}

/** How many items one read of an outbox takes at most (the rest come with the next read). */
export const outboxBatch = 50;

/**
 * Removes delivered items only if the caller still holds the delivery lock (token ARGV[1]): a deliverer that lost
 * its lock can never remove an item another one has not delivered. Each item is named by its stored value, which
 * holds its unique ID, so removing it never removes another (they are expected at the head of the list, in order). With a record ID (ARGV[2]; '' for none) and every
 * item removed, it ends the delivery as {@link finishScript} does, in the same step. KEYS: outbox, lock, outbox
 * index. ARGV: token, record ID or '', then the stored values. Returns how many were removed (-1: the lock is not
 * the caller's) and the items left when it ended the delivery (else -1).
 */
const removeItemsScript = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {-1, -1} end
-- Under the lock only its holder removes items, oldest first, and new ones go to the tail: what it delivered is
-- the head of the list, taken in one LPOP. Anything else (not expected) is put back and removed item by item.
local popped = redis.call('LPOP', KEYS[1], #ARGV - 2) or {}
local removed = #popped
local head = removed == #ARGV - 2
for i = 1, #popped do head = head and popped[i] == ARGV[i + 2] end
if not head then
  for i = #popped, 1, -1 do redis.call('LPUSH', KEYS[1], popped[i]) end
  removed = 0
  for i = 3, #ARGV do removed = removed + redis.call('LREM', KEYS[1], 1, ARGV[i]) end
end
if ARGV[2] == '' or removed < #ARGV - 2 then return {removed, -1} end
local left = redis.call('LLEN', KEYS[1])
if left == 0 then
  redis.call('ZREM', KEYS[3], ARGV[2])
  redis.call('DEL', KEYS[2])
end
return {removed, left}
`;

/**
 * Ends a delivery while the caller holds the lock: with the outbox empty, the request leaves the index of
 * requests with undelivered items and the lock is released; with items left (queued meanwhile), the lock is kept
 * for them. KEYS: outbox, lock, outbox index. ARGV: token, record ID. Returns the items left, or -1 if the lock
 * is not the caller's.
 */
const finishScript = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
local left = redis.call('LLEN', KEYS[1])
if left == 0 then
  redis.call('ZREM', KEYS[3], ARGV[2])
  redis.call('DEL', KEYS[2])
end
return left
`;

/**
 * A request's outbox in Redis: the list of undelivered items (queued by the transition script), its delivery lock
 * (a fencing token) and the index of requests with undelivered items.
 */
export function createOutboxStore(deps: {
  redis: Redis;
  key: { outbox(id: string): string; outboxLock(id: string): string; outboxIndex(): string };
}) {
  const { redis, key } = deps;
  return {
    /** The oldest undelivered outbox item, if any. */
    async peekOutbox(id: string): Promise<OutboxItem | undefined> {
      const raw = await redis.lindex(key.outbox(id), 0);
      return raw === null ? undefined : (JSON.parse(raw) as OutboxItem);
    },

    /** The oldest undelivered items, oldest first, in one read (at most {@link outboxBatch}). */
    async readOutbox(id: string): Promise<OutboxEntry[]> {
      const raws = await redis.lrange(key.outbox(id), 0, outboxBatch - 1);
      return raws.map((raw) => ({ item: JSON.parse(raw) as OutboxItem, raw }));
    },

    /**
     * Removes delivered items while `lock` still holds the outbox; `removed`: all of them were. With `finish`, a
     * removal of all of them also ends the delivery ({@link finishOutbox}) in the same step: `left` is then how
     * many items are left (undefined when it did not end it).
     */
    async removeOutboxItems(
      id: string,
      entries: OutboxEntry[],
      lock: OutboxLock,
      finish = false,
    ): Promise<{ removed: boolean; left: number | undefined }> {
      const raws = entries.map((e) => e.raw);
      const [removed, left] = (await redis.eval(
        removeItemsScript,
        3,
        key.outbox(id),
        key.outboxLock(id),
        key.outboxIndex(),
        lock.token,
        finish ? id : '',
        ...raws,
      )) as [number, number];
      return { removed: removed === raws.length, left: left < 0 ? undefined : left };
    },

    /**
     * Ends a delivery: releases the lock and drops the request from the index if the outbox is empty (or gone,
     * expired with the request). Returns how many items are left (the lock is kept for them), or -1 if the lock
     * was lost.
     */
    async finishOutbox(id: string, lock: OutboxLock): Promise<number> {
      const left = await redis.eval(
        finishScript,
        3,
        key.outbox(id),
        key.outboxLock(id),
        key.outboxIndex(),
        lock.token,
        id,
      );
      return Number(left);
    },

    /** Takes the right to deliver a request's outbox for `ttlMs`; undefined if another process has it. */
    async lockOutbox(id: string, ttlMs: number): Promise<OutboxLock | undefined> {
      const token = randomBytes(8).toString('hex');
      const ok = await redis.set(key.outboxLock(id), token, 'PX', ttlMs, 'NX');
      if (ok !== 'OK') return undefined;
      return {
        token,
        extend: async (ms) =>
          (await redis.eval(extendLockScript, 1, key.outboxLock(id), token, String(ms))) === 1,
        release: async () => {
          await redis.eval(releaseLockScript, 1, key.outboxLock(id), token);
        },
      };
    },

    /** Requests with undelivered outbox items, oldest first: the sweeper retries them, job or no job. */
    async idsWithOutbox(): Promise<string[]> {
      return redis.zrange(key.outboxIndex(), '0', '-1');
    },
  };
}
