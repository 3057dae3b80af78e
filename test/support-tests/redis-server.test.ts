import { afterEach, describe, expect, it } from 'vitest';
import { deleteKeysWithPrefix, testRedis, uniquePrefix } from '../support/redis.ts';
import {
  findOrStartRedis,
  type PrivateRedis,
  redisAnswers,
  startRedisServer,
} from '../support/redis-server.ts';

let started: PrivateRedis | undefined;
afterEach(async () => {
  await started?.stop();
  started = undefined;
});

describe('Redis for tests', () => {
  it('starts a private redis-server on a free port and stops it', async () => {
    started = await startRedisServer();

    expect(await redisAnswers(started.url)).toBe(true);
    await started.stop();
    expect(await redisAnswers(started.url)).toBe(false);
  });

  it('uses REDIS_URL when it answers', async () => {
    started = await startRedisServer();

    await expect(findOrStartRedis({ REDIS_URL: started.url })).resolves.toEqual({ url: started.url });
  });

  it('says so in one line when REDIS_URL does not answer', async () => {
    started = await startRedisServer();
    const url = started.url;
    await started.stop();

    await expect(findOrStartRedis({ REDIS_URL: url })).rejects.toThrow(
      /^REDIS_URL is set but no Redis answers there/,
    );
  });

  it('starts a private redis-server from PATH when nothing answers locally', async () => {
    started = await startRedisServer();
    const deadLocal = started.url;
    await started.stop();

    const found = await findOrStartRedis({ PATH: process.env.PATH }, deadLocal);
    started = { url: found.url, stop: found.stop ?? (async () => {}) } as PrivateRedis;

    // A private server (it can be stopped), answering; it may well reuse the port just freed.
    expect(found.stop).toBeTypeOf('function');
    expect(await redisAnswers(found.url)).toBe(true);
  });

  it('with no Redis anywhere, stops with one line saying how to get one', async () => {
    started = await startRedisServer();
    const deadLocal = started.url;
    await started.stop();

    const attempt = findOrStartRedis({ PATH: '/nonexistent' }, deadLocal);

    await expect(attempt).rejects.toThrow(
      /^No Redis for the tests: set REDIS_URL, run Redis on 127\.0\.0\.1:6379, or install redis-server \(Debian: apt-get install redis-server\)\.$/,
    );
  });

  it('cleans up exactly the keys under a test prefix', async () => {
    const redis = testRedis();
    const mine = uniquePrefix('cleanup');
    const other = uniquePrefix('other');
    await redis.set(`${mine}:a`, '1');
    await redis.hset(`${mine}:b`, 'f', '1');
    await redis.set(`${other}:c`, '1');

    const deleted = await deleteKeysWithPrefix(redis, mine);

    expect(deleted).toBe(2);
    expect(await redis.exists(`${other}:c`)).toBe(1);
    await deleteKeysWithPrefix(redis, other);
    redis.disconnect();
  });
});
