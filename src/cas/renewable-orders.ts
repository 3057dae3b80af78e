import { createSingleFlightCache } from '../single-flight-cache.ts';
import type { CasClient } from './client.ts';
import type { CertificateOrder } from './schemas.ts';

/** Options of {@link createRenewableOrderIndex}. */
export interface RenewableOrderIndexOptions {
  cas: CasClient;
  now?: () => number;
  /** How long one scan of the expiring orders is reused, milliseconds. @defaultValue 60000 */
  ttlMs?: number;
  /** A miss rescans if the snapshot is older than this, milliseconds. @defaultValue 5000 */
  rescanOnMissAfterMs?: number;
}

/**
 * The CPACK orders CAS lists as about to expire (the only renewable ones), by order ID. CAS cannot look an order
 * up by ID, so finding one means paging through the list; this index pages once per burst of `/cert renew`s
 * (single flight, reused for `ttlMs`) instead of once per command, which also keeps within CAS's 10 QPS.
 */
export function createRenewableOrderIndex(options: RenewableOrderIndexOptions) {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? 60_000;
  const rescanOnMissAfterMs = options.rescanOnMissAfterMs ?? 5_000;
  let snapshot: { at: number; orders: Map<string, CertificateOrder> } | undefined;
  let inflight: Promise<{ at: number; orders: Map<string, CertificateOrder> }> | undefined;

  function scan() {
    inflight ??= (async () => {
      const at = now();
      const orders = new Map<string, CertificateOrder>();
      for await (const order of options.cas.listAllUserCertificateOrders({
        status: 'WILLEXPIRED',
        orderType: 'CPACK',
        showSize: 100,
      })) {
        if (order.OrderId) orders.set(order.OrderId, order);
      }
      snapshot = { at, orders };
      return snapshot;
    })().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  // Plan quota changes only when someone renews: a short cache spares a DescribePackageState per command.
  const quota = createSingleFlightCache(
    async (productCode) => (await options.cas.describePackageState(productCode)).remaining,
    {
      ttlMs: 30_000,
      now,
    },
  );

  return {
    /** Remaining quota of a plan (cached 30 s), or undefined when CAS cannot say. */
    async quotaRemaining(productCode: string): Promise<number | undefined> {
      return quota.get(productCode).catch(() => undefined);
    },
    /** The expiring order with this ID, or undefined when CAS does not list it as renewable. */
    async find(orderId: string): Promise<CertificateOrder | undefined> {
      let current = snapshot && now() - snapshot.at <= ttlMs ? snapshot : await scan();
      if (!current.orders.has(orderId) && now() - current.at > rescanOnMissAfterMs) current = await scan();
      return current.orders.get(orderId);
    },
    /** Forgets the snapshot (e.g. after a renewal changed the list). */
    invalidate(): void {
      snapshot = undefined;
      quota.clear();
    },
  };
}

/** The renewable-order index. */
export type RenewableOrderIndex = ReturnType<typeof createRenewableOrderIndex>;
