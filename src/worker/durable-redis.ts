import type { Redis } from 'ioredis';
import { AppError } from '../errors.ts';

/**
 * How this Redis can put a write on disk before the worker makes the paid call (replicas, when some are attached,
 * are waited for besides: see durable-claims.ts):
 * - `waitaof`: Redis ≥ 7.2 with AOF on (`everysec` or `always`): `WAITAOF 1 n` returns once the local AOF has the
 *   write fsynced (and `n` replicas theirs);
 * - `always`: `appendfsync always`: every write is fsynced before Redis answers it;
 * - `everysec`: AOF fsynced once a second (Redis 7.0 has no `WAITAOF`): the worker waits out the interval;
 * - `none`: AOF off or `appendfsync no`: a Redis crash can lose the claim, and a restarted Redis would let the
 *   worker renew again.
 */
export type RedisDurability =
  | { kind: 'waitaof' | 'always'; version: string }
  | { kind: 'everysec'; version: string }
  | { kind: 'none'; version: string; why: string };

/** One field of an `INFO` section's text. */
export function infoField(info: string, name: string): string | undefined {
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
  const server = await redis.info('server');
  const persistence = await redis.info('persistence');
  const policy = await redis
    .config('GET', 'appendfsync')
    .then((pair) => String((pair as string[])[1] ?? 'everysec'))
    .catch(() => 'everysec');
  return durabilityFrom(server, persistence, policy);
}

/** What `INFO server`, `INFO persistence` and the `appendfsync` policy say this Redis offers. */
export function durabilityFrom(server: string, persistence: string, policy: string): RedisDurability {
  const version = infoField(server, 'redis_version') ?? '0.0.0';
  if (infoField(persistence, 'aof_enabled') !== '1')
    return { kind: 'none', version, why: 'AOF is off (appendonly no)' };
  // `appendfsync no` leaves the fsync to the kernel: WAITAOF then waits for nothing the worker can rely on.
  if (policy !== 'always' && policy !== 'everysec')
    return { kind: 'none', version, why: `appendfsync is ${policy}` };
  if (atLeast(version, 7, 2)) return { kind: 'waitaof', version };
  return { kind: policy, version };
}

/** Replicas attached now (`INFO replication`'s `connected_slaves`). */
export function replicasFrom(replication: string): number {
  return Number(infoField(replication, 'connected_slaves') ?? 0) || 0;
}

/** What the worker needs to know to make its writes durable. */
export interface DurableRedisOptions {
  /**
   * How long to wait after a write on an `everysec` Redis: one fsync interval, plus the second Redis may postpone
   * a write while a slow fsync runs, milliseconds. @defaultValue 2200
   */
  everysecWaitMs?: number;
  /** `WAITAOF` and `WAIT` timeout, milliseconds. @defaultValue 5000 */
  waitAofTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Returns the wait after the claim before the paid call: it resolves once Redis has this connection's writes on
 * disk, and on a replica when some are attached (`WAITAOF 1 1` on Redis ≥ 7.2, else `WAIT 1`), and throws
 * `REDIS_NOT_DURABLE` (retryable) when it cannot tell, so nothing is sent to CAS. Both commands cover only the
 * writes of the connection they are sent on: durable-claims.ts makes sure that is the claim's.
 */
export function durableWrites(
  redis: Redis,
  durability: RedisDurability,
  options: DurableRedisOptions = {},
): () => Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const everysecWaitMs = options.everysecWaitMs ?? 2_200;
  const timeout = String(options.waitAofTimeoutMs ?? 5_000);
  const notDurable = (why: string) =>
    new AppError('REDIS_NOT_DURABLE', `Redis did not confirm the write on disk: ${why}`, { retryable: true });
  const local = async () => {
    if (durability.kind !== 'everysec') return;
    await sleep(everysecWaitMs);
    const persistence = await redis.info('persistence');
    if (infoField(persistence, 'aof_last_write_status') !== 'ok')
      throw notDurable('its last AOF write failed (aof_last_write_status)');
  };
  return async () => {
    // Checked at each claim: a replica may attach or leave at any time.
    const replicas = replicasFrom(await redis.info('replication')) > 0 ? 1 : 0;
    if (durability.kind === 'waitaof') {
      const reply = (await redis.call('WAITAOF', '1', String(replicas), timeout)) as [number, number];
      if (!(reply[0] >= 1 && reply[1] >= replicas))
        throw notDurable(`WAITAOF 1 ${replicas} answered ${JSON.stringify(reply)}`);
      return;
    }
    await local();
    if (replicas === 0) return;
    const acks = Number(await redis.call('WAIT', '1', timeout));
    if (!(acks >= 1)) throw notDurable(`no replica acknowledged it (WAIT answered ${acks})`);
  };
}

/** The start-up message when the guarantee cannot be had: names the Redis setting and the way out. */
export function notDurableMessage(durability: Extract<RedisDurability, { kind: 'none' }>): string {
  return `Redis ${durability.version} cannot make the claim before the paid renewal call durable: ${durability.why}. A Redis crash could then lose it and the worker would renew again. Turn AOF on in the Redis server (appendonly yes, appendfsync everysec or always), or set CERT_REQUIRE_DURABLE_REDIS=false to run without this guarantee.`;
}
