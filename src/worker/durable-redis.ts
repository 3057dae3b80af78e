import type { Redis } from 'ioredis';
import { AppError } from '../errors.ts';

/**
 * How this Redis can put a write on disk before the worker makes the paid call:
 * - `waitaof`: Redis ≥ 7.2 with AOF on: `WAITAOF 1 0` returns once the local AOF has the write fsynced;
 * - `always`: `appendfsync always`: every write is fsynced before Redis answers it;
 * - `everysec`: AOF fsynced once a second (Redis 7.0 has no `WAITAOF`): the worker waits out the interval;
 * - `none`: AOF off or `appendfsync no`: a Redis crash can lose the claim, and a restarted Redis would let the
 *   worker renew again.
 */
export type RedisDurability =
  | { kind: 'waitaof' | 'always'; version: string }
  | { kind: 'everysec'; version: string }
  | { kind: 'none'; version: string; why: string };

function infoField(info: string, name: string): string | undefined {
  const line = info.split(/\r?\n/).find((l) => l.startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}

function atLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

/**
 * Finds out what this Redis offers. `CONFIG GET` may be renamed away on managed Redis; then the policy is taken
 * as `everysec` (the default, and what managed services run), which the worker waits out.
 */
export async function probeDurability(redis: Redis): Promise<RedisDurability> {
  const info = await redis.info('server');
  const persistence = await redis.info('persistence');
  const version = infoField(info, 'redis_version') ?? '0.0.0';
  if (infoField(persistence, 'aof_enabled') !== '1')
    return { kind: 'none', version, why: 'AOF is off (appendonly no)' };
  const policy = await redis
    .config('GET', 'appendfsync')
    .then((pair) => String((pair as string[])[1] ?? 'everysec'))
    .catch(() => 'everysec');
  if (atLeast(version, 7, 2)) return { kind: 'waitaof', version };
  if (policy === 'always') return { kind: 'always', version };
  if (policy === 'everysec') return { kind: 'everysec', version };
  return { kind: 'none', version, why: `appendfsync is ${policy}` };
}

/** What the worker needs to know to make its writes durable. */
export interface DurableRedisOptions {
  /**
   * How long to wait after a write on an `everysec` Redis: one fsync interval, plus the second Redis may postpone
   * a write while a slow fsync runs, milliseconds. @defaultValue 2200
   */
  everysecWaitMs?: number;
  /** `WAITAOF` timeout, milliseconds. @defaultValue 5000 */
  waitAofTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Returns the function the store calls after the claim before the paid call: it resolves once Redis has the
 * claim on disk, and throws `REDIS_NOT_DURABLE` (retryable) when it cannot tell, so nothing is sent to CAS.
 */
export function durableWrites(
  redis: Redis,
  durability: RedisDurability,
  options: DurableRedisOptions = {},
): () => Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const everysecWaitMs = options.everysecWaitMs ?? 2_200;
  const waitAofTimeoutMs = options.waitAofTimeoutMs ?? 5_000;
  const notDurable = (why: string) =>
    new AppError('REDIS_NOT_DURABLE', `Redis did not confirm the write on disk: ${why}`, { retryable: true });
  switch (durability.kind) {
    case 'none':
    case 'always':
      return async () => {};
    case 'waitaof':
      return async () => {
        const reply = (await redis.call('WAITAOF', '1', '0', String(waitAofTimeoutMs))) as [number, number];
        if (!(reply[0] >= 1)) throw notDurable(`WAITAOF answered ${JSON.stringify(reply)}`);
      };
    case 'everysec':
      return async () => {
        await sleep(everysecWaitMs);
        const persistence = await redis.info('persistence');
        if (infoField(persistence, 'aof_last_write_status') !== 'ok')
          throw notDurable('its last AOF write failed (aof_last_write_status)');
      };
  }
}

/** The start-up message when the guarantee cannot be had: names the Redis setting and the way out. */
export function notDurableMessage(durability: Extract<RedisDurability, { kind: 'none' }>): string {
  return `Redis ${durability.version} cannot make the claim before the paid renewal call durable: ${durability.why}. A Redis crash could then lose it and the worker would renew again. Turn AOF on in the Redis server (appendonly yes, appendfsync everysec or always), or set CERT_REQUIRE_DURABLE_REDIS=false to run without this guarantee.`;
}
