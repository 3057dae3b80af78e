import type { Redis } from 'ioredis';
import type { InstanceNote } from './expiring-instances.ts';

/** An application under way this long is reported as stuck (most likely its domain validation). */
export const stuckPendingMs = 3 * 86_400_000;

/**
 * Since when each V2 instance has been seen `pending` by the expiry scans. CAS gives no application time (SDK
 * ListInstancesResponseBodyInstanceList, GetInstanceDetailResponseBody), so the first scan that saw it pending
 * starts the clock; an instance seen in another status is forgotten.
 */
export function createPendingWatch(deps: { redis: Redis; prefix: string; now: () => number }) {
  const key = `${deps.prefix}:instance-pending-since`;
  return {
    key,
    /** Records this scan's pending instances; returns those pending for more than {@link stuckPendingMs}. */
    async stuck(pending: readonly InstanceNote[]): Promise<Array<InstanceNote & { since: number }>> {
      const now = deps.now();
      const current = new Set(pending.map((p) => p.instanceId));
      const known = await deps.redis.hgetall(key);
      const gone = Object.keys(known).filter((id) => !current.has(id));
      const tx = deps.redis.multi();
      if (gone.length > 0) tx.hdel(key, ...gone);
      for (const p of pending) if (known[p.instanceId] === undefined) tx.hset(key, p.instanceId, String(now));
      await tx.exec();
      return pending
        .map((p) => ({ ...p, since: Number(known[p.instanceId] ?? now) }))
        .filter((p) => now - p.since > stuckPendingMs);
    },
  };
}

/** The pending watch. */
export type PendingWatch = ReturnType<typeof createPendingWatch>;
