import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** The Redis URL found or started by the global setup. */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A fresh, unique key prefix for one test (no colon: BullMQ adds its own). */
export function uniquePrefix(label = 't'): string {
  return `test-${label}-${randomUUID().slice(0, 8)}`;
}

/** A Redis client for tests, as BullMQ workers need it (`maxRetriesPerRequest: null`). */
export function testRedis(): Redis {
  return new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
}

/** Deletes every key under `prefix` (SCAN, never KEYS), so tests leave Redis as they found it. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
