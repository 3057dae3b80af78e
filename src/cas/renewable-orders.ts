import { createSingleFlightCache } from '../single-flight-cache.ts';
import type { CasClient } from './client.ts';
import type { CertificateOrder } from './order-schemas.ts';

/** Options of {@link createRenewableOrderIndex}. */
export interface RenewableOrderIndexOptions {
  cas: CasClient;
  now?: () => number;
  /** How long one scan of the expiring orders is reused, milliseconds. @defaultValue 60000 */
  ttlMs?: number;
}

/**
 * The CPACK orders CAS lists as about to expire (the only renewable ones), by order ID. CAS cannot look an order
 * up by ID, so finding one means paging through the list; this index pages once per burst of `/cert renew`s
 * (single flight, reused for `ttlMs`) instead of once per command, which also keeps within CAS's 10 QPS.
 */
export function createRenewableOrderIndex(options: RenewableOrderIndexOptions) {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? 60_000;
  /** `seq` numbers the scans in the order they started. */
  type Snapshot = { at: number; seq: number; orders: Map<string, CertificateOrder> };
  let snapshot: Snapshot | undefined;
  let inflight: { seq: number; done: Promise<Snapshot> } | undefined;
  let scansStarted = 0;

  function scan(): Promise<Snapshot> {
    if (inflight) return inflight.done;
    const at = now();
    const seq = ++scansStarted;
    const done = (async () => {
      const orders = new Map<string, CertificateOrder>();
      for await (const order of options.cas.listAllUserCertificateOrders({
        status: 'WILLEXPIRED',
        orderType: 'CPACK',
        showSize: 50,
      })) {
        if (order.OrderId) orders.set(order.OrderId, order);
      }
      snapshot = { at, seq, orders };
      return snapshot;
    })().finally(() => {
      inflight = undefined;
    });
    inflight = { seq, done };
    return done;
  }

  /** A snapshot of a scan that started after `ticket` was taken: concurrent callers share one scan. */
  async function scanAfter(ticket: number): Promise<Snapshot> {
    if (snapshot && snapshot.seq > ticket) return snapshot;
    if (inflight && inflight.seq <= ticket) await inflight.done.catch(() => undefined);
    if (snapshot && snapshot.seq > ticket) return snapshot;
    return scan();
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
    /**
     * The expiring order with this ID from the current snapshot (reused for `ttlMs`), or undefined. A miss is not
     * final: confirm it with {@link findFresh}.
     */
    async find(orderId: string): Promise<CertificateOrder | undefined> {
      const current = snapshot && now() - snapshot.at <= ttlMs ? snapshot : await scan();
      return current.orders.get(orderId);
    },
    /** Marks the moment a question is asked: {@link findFresh} then answers from a scan started after it. */
    ticket(): number {
      return scansStarted;
    },
    /**
     * The expiring order with this ID as CAS lists it now: from a scan that started after `ticket` was taken.
     * Callers check first that the order exists, so a typo never costs a scan; concurrent callers share a scan.
     */
    async findFresh(orderId: string, ticket: number): Promise<CertificateOrder | undefined> {
      return (await scanAfter(ticket)).orders.get(orderId);
    },
  };
}

/** The renewable-order index. */
export type RenewableOrderIndex = ReturnType<typeof createRenewableOrderIndex>;
