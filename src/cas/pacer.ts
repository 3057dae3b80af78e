import type { Redis } from 'ioredis';

// A sliding window per action, shared by every process on this Redis. Each call is an entry whose score is the
// latest moment CAS can have counted it: while the call is in flight, the moment it started plus `maxCallMs` (a
// bound, so a crashed process frees its slots); once its answer is back, the moment the answer arrived.
//
// admit: KEYS the window set; ARGV now ms, limit, unique member, window ms, max call ms, poll ms. Admits a call and
// returns 0, or returns how many milliseconds to wait.
const admitScript = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[4])
local maxCall = tonumber(ARGV[5])
-- The calls still in the window, oldest first (at most the limit of them): one read both counts them and, when
-- they fill it, names the oldest. Entries out of the window are dropped only by an admission, which adds one.
local limit = tonumber(ARGV[2])
local held = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - window), '+inf', 'WITHSCORES', 'LIMIT', 0, limit)
if #held < 2 * limit then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
  redis.call('ZADD', KEYS[1], now + maxCall, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], maxCall + window)
  return 0
end
local oldest = tonumber(held[2])
if oldest > now then
  return tonumber(ARGV[6])
end
return math.max(1, oldest + window - now)
`;
/**
 * CAS's window: it counts the calls that *arrived* in the last second (the simulator does the same). We cannot see
 * when a call arrives, only that it is after we sent it and before its answer came back; so a call stays in our
 * window until a second after its answer arrived, and a new call is sent only when that holds for all but
 * limit − 1 of them. No margin is needed for network jitter, and no time is lost to one either.
 */
export const paceWindowMs = 1_000;

/**
 * CAS's per-account rates (calls per second) the pacer keeps, one window per action: Alibaba's quotas are per API
 * operation ("the maximum number of calls allowed for a specific OpenAPI operation", help.aliyun.com/en/openapi/
 * throttling-and-quota-management), so the V1 and V2 listings do not share a budget.
 * - ListUserCertificateOrder: 10/s per account, documented (alibabacloud.com/help/en/ssl-certificate/
 *   developer-reference/api-cas-2020-04-07-listusercertificateorder, "QPS limit").
 * - ListInstances: the English and Chinese pages (api-cas-2020-04-07-listinstances, updated 2026-06-26) state no
 *   limit; the Portuguese and French ones (2026-09) state 10 per user, beside a description copied from the private-CA
 *   listing. Held to 10/s: the expiry scan pages through it like the V1 listing (GetTaskAttribute's documented rate,
 *   reference §7.4, is 10/s too).
 * Others are paced by the worker's queue limiter (`CERT_CAS_QPS`).
 */
export const casRateLimits: Readonly<Record<string, number>> = {
  ListUserCertificateOrder: 10,
  ListInstances: 10,
};

/**
 * Call when the call's answer (or its failure) has arrived. Returns at once and never throws: the update goes to
 * Redis on the pacer's connection, ahead of any later admission from this process (one connection keeps order).
 */
export type PaceDone = () => void;

/** Waits until a call of `action` may be made; the returned function marks its end. */
export type Pace = (action: string) => Promise<PaceDone>;

const nothingToDo: PaceDone = () => {};

/**
 * Paces CAS calls to documented per-account rates across all processes: the expiry scan, `/cert renew` look-ups
 * and reconciliation share one window in Redis, so together they never exceed it.
 */
export function createRedisPacer(deps: {
  redis: Redis;
  prefix: string;
  /** Calls per second per action; actions not listed are not paced. */
  limits: Readonly<Record<string, number>>;
  /**
   * How long a call may be in flight before its slot is freed anyway (a process that crashed mid-call never says
   * it ended). At least the CAS client's timeout (15 s).
   */
  maxCallMs?: number;
  /** How often to look again while every slot is held by a call in flight. */
  pollMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): Pace {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxCallMs = deps.maxCallMs ?? 30_000;
  const pollMs = deps.pollMs ?? 10;
  let counter = 0;
  /**
   * Per action, the last waiter of this process: waiters take turns, so that when a slot frees only one of them
   * asks Redis (not all of them at once, each to be refused but one) and they are admitted in the order they came.
   * One entry per paced action.
   */
  const lastInLine = new Map<string, Promise<void>>();

  async function admit(limit: number, key: string, member: string): Promise<void> {
    for (;;) {
      const args = [
        String(now()),
        String(limit),
        member,
        String(paceWindowMs),
        String(maxCallMs),
        String(pollMs),
      ];
      const wait = Number(await deps.redis.eval(admitScript, 1, key, ...args));
      if (wait === 0) return;
      await sleep(wait);
    }
  }

  return async (action) => {
    const limit = deps.limits[action];
    if (limit === undefined) return nothingToDo;
    const key = `${deps.prefix}:pace:${action}`;
    counter += 1;
    const member = `${process.pid}-${counter}-${Math.random()}`;
    const ahead = lastInLine.get(action);
    let leave = () => {};
    const mine = new Promise<void>((resolve) => {
      leave = resolve;
    });
    lastInLine.set(action, mine);
    try {
      await ahead;
      await admit(limit, key, member);
    } finally {
      leave();
    }
    return () => {
      // Not awaited: a Redis that is slow or away must not hold back an answer already here. A failure leaves the
      // entry at its bound: slower, never over the limit.
      // XX: an entry the set or its expiry already dropped is not written back into a key without an expiry.
      // One plain command (atomic by itself), not a script.
      deps.redis.zadd(key, 'XX', now(), member).catch(() => undefined);
    };
  };
}
