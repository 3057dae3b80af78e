import type { Redis } from 'ioredis';

// Claims an alert for the tightest threshold an order has crossed. Returns what the hash held before (a JSON
// object, to give back if the alert cannot be posted) once per (order, end date, threshold); a later scan, a
// restart or a concurrent scan gets ''. A new end date (the certificate was renewed in place) resets. The hash
// lives until 90 days after the end date. KEYS: the order's alert hash, the set of alerted orders.
// ARGV: certEndTime, threshold, orderId, domain, product, retention after the end date ms.
const claimScript = `
local before = redis.call('HGETALL', KEYS[1])
local current = tonumber(redis.call('HGET', KEYS[1], 'threshold') or '')
if redis.call('HGET', KEYS[1], 'certEndTime') ~= ARGV[1] then
  current = nil
  redis.call('HSET', KEYS[1], 'expired', '0')
end
if current ~= nil and tonumber(ARGV[2]) >= current then return '' end
redis.call('HSET', KEYS[1], 'threshold', ARGV[2], 'certEndTime', ARGV[1], 'orderId', ARGV[3], 'domain', ARGV[4], 'productName', ARGV[5])
redis.call('PEXPIREAT', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[6]))
local wasMember = redis.call('SADD', KEYS[2], ARGV[3]) == 0
local previous = {}
for i = 1, #before, 2 do previous[before[i]] = before[i + 1] end
return cjson.encode({ hash = previous, member = wasMember })
`;

// Gives a claim back (its alert could not be posted): restores the hash as it was, if this claim is still the
// latest. KEYS: alert hash, alerted set. ARGV: claimed threshold, claimed certEndTime, previous JSON, orderId.
const releaseScript = `
if redis.call('HGET', KEYS[1], 'threshold') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'certEndTime') ~= ARGV[2] then
  return 0
end
local previous = cjson.decode(ARGV[3])
redis.call('DEL', KEYS[1])
for k, v in pairs(previous['hash']) do redis.call('HSET', KEYS[1], k, v) end
if next(previous['hash']) ~= nil then redis.call('PEXPIREAT', KEYS[1], tonumber(ARGV[2]) + 90 * 86400000) end
if not previous['member'] then redis.call('SREM', KEYS[2], ARGV[4]) end
return 1
`;

/** A claimed alert, to give back when it could not be posted. */
export interface ThresholdClaim {
  orderId: string;
  threshold: number;
  certEndTime: number;
  previous: string;
}

// Claims the one final "expired" alert of an order. KEYS: alert hash, alerted set. ARGV: orderId, retention ms.
const claimExpiredScript = `
if redis.call('HGET', KEYS[1], 'expired') == '1' then return 0 end
redis.call('HSET', KEYS[1], 'expired', '1')
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** What is remembered about an alerted order. */
export interface AlertedOrder {
  orderId: string;
  domain: string;
  productName: string;
  certEndTime: number;
  threshold: number;
}

/** Alert bookkeeping in Redis: thresholds claimed, final expiry, snoozes, the per-order audit, scan health. */
export function createAlertState(deps: { redis: Redis; prefix: string; now: () => number }) {
  const { redis, prefix } = deps;
  // How long alert bookkeeping outlives an order's end date, and how long its audit is kept.
  const retentionMs = 90 * 86_400_000;
  const key = {
    alert: (orderId: string) => `${prefix}:alert:${orderId}`,
    alerted: () => `${prefix}:alerted-orders`,
    snooze: (orderId: string) => `${prefix}:snooze:${orderId}`,
    audit: (orderId: string) => `${prefix}:order-audit:${orderId}`,
    health: () => `${prefix}:scan-health`,
  };

  return {
    key,
    /** A claim once per (order, end date, threshold): the caller then alerts, or gives it back on failure. */
    async claimThreshold(
      order: Omit<AlertedOrder, 'threshold'>,
      threshold: number,
    ): Promise<ThresholdClaim | undefined> {
      const previous = (await redis.eval(
        claimScript,
        2,
        key.alert(order.orderId),
        key.alerted(),
        String(order.certEndTime),
        String(threshold),
        order.orderId,
        order.domain,
        order.productName,
        String(retentionMs),
      )) as string;
      return previous === ''
        ? undefined
        : { orderId: order.orderId, threshold, certEndTime: order.certEndTime, previous };
    },

    /** Gives a claim back: its alert was not posted, so the next scan alerts it again. */
    async releaseThreshold(claim: ThresholdClaim): Promise<void> {
      await redis.eval(
        releaseScript,
        2,
        key.alert(claim.orderId),
        key.alerted(),
        String(claim.threshold),
        String(claim.certEndTime),
        claim.previous,
        claim.orderId,
      );
    },

    /** Gives the final "expired" alert's claim back (it was not posted). */
    async releaseExpired(orderId: string): Promise<void> {
      await redis.multi().hset(key.alert(orderId), 'expired', '0').sadd(key.alerted(), orderId).exec();
    },

    /** Alerted orders whose certificate is past its end date and that got no final alert yet. */
    async expiredSinceAlerted(): Promise<AlertedOrder[]> {
      const out: AlertedOrder[] = [];
      for (const orderId of await redis.smembers(key.alerted())) {
        const h = await redis.hgetall(key.alert(orderId));
        if (Object.keys(h).length === 0) {
          // Its hash expired (90 days past the end date): nothing left to alert.
          await redis.srem(key.alerted(), orderId);
          continue;
        }
        if (h.expired === '1' || !h.certEndTime || Number(h.certEndTime) > deps.now()) continue;
        out.push({
          orderId,
          domain: h.domain ?? '',
          productName: h.productName ?? '',
          certEndTime: Number(h.certEndTime),
          threshold: Number(h.threshold),
        });
      }
      return out;
    },

    /** True once per order: the caller then posts the final "expired" alert. */
    async claimExpired(orderId: string): Promise<boolean> {
      return (
        (await redis.eval(
          claimExpiredScript,
          2,
          key.alert(orderId),
          key.alerted(),
          orderId,
          String(retentionMs),
        )) === 1
      );
    },

    /** Forgets an order's alerts (it was renewed: a new order carries on). */
    async forget(orderId: string): Promise<void> {
      await redis.multi().del(key.alert(orderId)).srem(key.alerted(), orderId).exec();
    },

    async snooze(orderId: string, untilMs: number, actor: string): Promise<void> {
      await redis
        .multi()
        .set(key.snooze(orderId), String(untilMs), 'PX', Math.max(1, untilMs - deps.now()))
        .rpush(
          key.audit(orderId),
          JSON.stringify({
            at: deps.now(),
            actor,
            action: 'snoozed',
            detail: `until ${new Date(untilMs).toISOString()}`,
          }),
        )
        .pexpire(key.audit(orderId), retentionMs)
        .exec();
    },

    async isSnoozed(orderId: string): Promise<boolean> {
      return (await redis.exists(key.snooze(orderId))) === 1;
    },

    async orderAudit(orderId: string): Promise<Array<Record<string, unknown>>> {
      return (await redis.lrange(key.audit(orderId), 0, -1)).map(
        (e) => JSON.parse(e) as Record<string, unknown>,
      );
    },

    /** Records a failed scan; `notify` is true exactly when this makes two failures in a row. */
    async scanFailed(): Promise<{ notify: boolean; failures: number }> {
      const failures = await redis.hincrby(key.health(), 'failures', 1);
      if (failures < 2) return { notify: false, failures };
      const first = await redis.hsetnx(key.health(), 'notified', '1');
      return { notify: first === 1, failures };
    },

    /** Records a successful scan; `notifyRecovered` is true when a failure notice had been posted. */
    async scanSucceeded(): Promise<{ notifyRecovered: boolean }> {
      const [[, notified]] = ((await redis
        .multi()
        .hget(key.health(), 'notified')
        .del(key.health())
        .exec()) ?? [[null, null]]) as [[unknown, string | null]];
      return { notifyRecovered: notified === '1' };
    },
  };
}

/** The alert state. */
export type AlertState = ReturnType<typeof createAlertState>;
