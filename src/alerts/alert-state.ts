import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  claimExpiredScript,
  claimThresholdScript,
  releaseExpiredScript,
  releaseThresholdScript,
} from './claim-scripts.ts';
import { createPendingWatch } from './pending-watch.ts';

/**
 * A claimed alert, to complete once posted or give back when not ({@link AlertState}); `lease` is its member of
 * the leases set, which a later scan gives back if this one never does.
 */
export type AlertClaim =
  | {
      kind: 'threshold';
      orderId: string;
      threshold: number;
      certEndTime: number;
      previous: string;
      lease: string;
    }
  | { kind: 'expired'; orderId: string; lease: string };

/** A lease as the claim scripts write it (numbers as strings, so none is rounded). */
interface StoredLease {
  kind: 'threshold' | 'expired';
  orderId: string;
  threshold?: string;
  certEndTime?: string;
  previous?: string;
}

function claimOf(lease: string): AlertClaim {
  const l = JSON.parse(lease) as StoredLease;
  if (l.kind === 'expired') return { kind: 'expired', orderId: l.orderId, lease };
  return {
    kind: 'threshold',
    orderId: l.orderId,
    threshold: Number(l.threshold),
    certEndTime: Number(l.certEndTime),
    previous: l.previous ?? '{}',
    lease,
  };
}

/** What is remembered about an alerted order. */
export interface AlertedOrder {
  orderId: string;
  domain: string;
  productName: string;
  certEndTime: number;
  threshold: number;
}

/** Alert bookkeeping in Redis: thresholds claimed, final expiry, snoozes, the per-order audit, scan health. */
export function createAlertState(deps: {
  redis: Redis;
  prefix: string;
  now: () => number;
  /**
   * How long a claim may stay neither completed nor given back before a later scan gives it back: longer than any
   * scan takes to post (a scan that is still posting must not see its claims taken). Milliseconds.
   * @defaultValue 30 minutes
   */
  leaseMs?: number;
}) {
  const { redis, prefix } = deps;
  const leaseMs = deps.leaseMs ?? 30 * 60_000;
  const token = () => randomBytes(8).toString('hex');
  // How long alert bookkeeping outlives an order's end date, and how long its audit is kept.
  const retentionMs = 90 * 86_400_000;
  const key = {
    alert: (orderId: string) => `${prefix}:alert:${orderId}`,
    alerted: () => `${prefix}:alerted-orders`,
    snooze: (orderId: string) => `${prefix}:snooze:${orderId}`,
    audit: (orderId: string) => `${prefix}:order-audit:${orderId}`,
    /** An account's scan health (with an accounts file); without one, the key it always was. */
    health: (account?: string) => (account ? `${prefix}:scan-health:${account}` : `${prefix}:scan-health`),
    leases: () => `${prefix}:alert-leases`,
  };

  async function release(claim: AlertClaim): Promise<void> {
    const keys = [key.alert(claim.orderId), key.alerted(), key.leases()];
    if (claim.kind === 'expired') {
      await redis.eval(releaseExpiredScript, 3, ...keys, claim.orderId, claim.lease);
      return;
    }
    const { threshold, certEndTime, previous, orderId, lease } = claim;
    await redis.eval(
      releaseThresholdScript,
      3,
      ...keys,
      String(threshold),
      String(certEndTime),
      previous,
      orderId,
      lease,
    );
  }

  return {
    key,
    /** Since when V2 instances have been seen pending (stuck applications are reported by the scan). */
    pendingWatch: createPendingWatch({ redis, prefix, now: deps.now }),
    /** A claim once per (order, end date, threshold): the caller then alerts, or gives it back on failure. */
    async claimThreshold(
      order: Omit<AlertedOrder, 'threshold'>,
      threshold: number,
    ): Promise<AlertClaim | undefined> {
      const lease = (await redis.eval(
        claimThresholdScript,
        3,
        key.alert(order.orderId),
        key.alerted(),
        key.leases(),
        String(order.certEndTime),
        String(threshold),
        order.orderId,
        order.domain,
        order.productName,
        String(retentionMs),
        token(),
        String(deps.now() + leaseMs),
      )) as string;
      return lease === '' ? undefined : claimOf(lease);
    },

    /** Once per order, the claim of its final "expired" alert: the caller then posts it, or gives it back. */
    async claimExpired(orderId: string): Promise<AlertClaim | undefined> {
      const lease = (await redis.eval(
        claimExpiredScript,
        3,
        key.alert(orderId),
        key.alerted(),
        key.leases(),
        orderId,
        String(retentionMs),
        token(),
        String(deps.now() + leaseMs),
      )) as string;
      return lease === '' ? undefined : claimOf(lease);
    },

    /** Completes a claim: its alert was posted. */
    async complete(claim: AlertClaim): Promise<void> {
      await redis.zrem(key.leases(), claim.lease);
    },

    /** Gives a claim back: its alert was not posted, so the next scan alerts it again. */
    release,

    /**
     * Gives back every claim whose lease ran out: its scan died, or lost Redis, between claiming and completing or
     * giving back. Returns how many.
     */
    async releaseExpiredLeases(): Promise<number> {
      const stale = await redis.zrangebyscore(key.leases(), '-inf', String(deps.now()));
      for (const lease of stale) await release(claimOf(lease));
      return stale.length;
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

    /**
     * Records a failed scan of `account` (undefined: the one account without an accounts file); `notify` is true
     * exactly when this makes two failures in a row of that account.
     */
    async scanFailed(account?: string): Promise<{ notify: boolean; failures: number }> {
      const failures = await redis.hincrby(key.health(account), 'failures', 1);
      if (failures < 2) return { notify: false, failures };
      const first = await redis.hsetnx(key.health(account), 'notified', '1');
      return { notify: first === 1, failures };
    },

    /** Records a successful scan of `account`; `notifyRecovered` is true when its failure notice had been posted. */
    async scanSucceeded(account?: string): Promise<{ notifyRecovered: boolean }> {
      const [[, notified]] = ((await redis
        .multi()
        .hget(key.health(account), 'notified')
        .del(key.health(account))
        .exec()) ?? [[null, null]]) as [[unknown, string | null]];
      return { notifyRecovered: notified === '1' };
    },
  };
}

/** The alert state. */
export type AlertState = ReturnType<typeof createAlertState>;
