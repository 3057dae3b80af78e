import type { Redis } from 'ioredis';

// Sliding window per action, shared by every process on this Redis: admits a call and returns 0, or returns how
// many milliseconds to wait. KEYS: the window set. ARGV: now ms, limit, unique member, window ms.
const admitScript = `
local window = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - tonumber(ARGV[1]))
`;

/**
 * The pacer's window: a second plus a margin. CAS counts calls when they arrive, we when they leave; with jitter
 * in between, an exact one-second window lets an eleventh call land inside CAS's second (measured: throttled).
 */
export const paceWindowMs = 1_100;

/**
 * CAS's documented per-account rates (calls per second). Only ListUserCertificateOrder has one (10/s); the others
 * are paced by the worker's queue limiter (`CERT_CAS_QPS`).
 */
export const casRateLimits: Readonly<Record<string, number>> = { ListUserCertificateOrder: 10 };

/** Waits until a call of `action` may be made. */
export type Pace = (action: string) => Promise<void>;

/**
 * Paces CAS calls to documented per-account rates across all processes: the expiry scan, `/cert renew` look-ups
 * and reconciliation share one window in Redis, so together they never exceed it.
 */
export function createRedisPacer(deps: {
  redis: Redis;
  prefix: string;
  /** Calls per second per action; actions not listed are not paced. */
  limits: Readonly<Record<string, number>>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): Pace {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let counter = 0;
  return async (action) => {
    const limit = deps.limits[action];
    if (limit === undefined) return;
    for (;;) {
      counter += 1;
      const member = `${process.pid}-${counter}-${Math.random()}`;
      const key = `${deps.prefix}:pace:${action}`;
      const args = [String(now()), String(limit), member, String(paceWindowMs)];
      const wait = Number(await deps.redis.eval(admitScript, 1, key, ...args));
      if (wait === 0) return;
      await sleep(wait);
    }
  };
}
