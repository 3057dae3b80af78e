import type { CasClient } from '../cas/client.ts';

/** An order whose certificate ends within the largest alert threshold. */
export interface ExpiringOrder {
  orderId: string;
  domain: string;
  productName: string;
  status: string;
  /** Epoch ms. */
  certEndTime: number;
  /** Whole days left (negative once past). */
  daysLeft: number;
}

const dayMs = 86_400_000;

/**
 * Pages through the plan (CPACK) orders CAS lists as about to expire (`WILLEXPIRED`) and the issued ones, keeping
 * those whose `CertEndTime` falls within `maxDays`, soonest first. The client's pacer keeps the paging within
 * CAS's 10 calls per second; 100 orders a page keeps the number of calls near the minimum.
 */
export async function listExpiringOrders(
  cas: CasClient,
  options: { now: number; maxDays: number },
): Promise<{ scanned: number; expiring: ExpiringOrder[]; instanceIds: Set<string> }> {
  const seen = new Map<string, ExpiringOrder>();
  // The instances of the orders listed: if ListInstances also lists them, they are alerted as orders only.
  const instanceIds = new Set<string>();
  let scanned = 0;
  for (const status of ['WILLEXPIRED', 'ISSUED']) {
    for await (const order of cas.listAllUserCertificateOrders({
      status,
      orderType: 'CPACK',
      showSize: 50,
    })) {
      scanned += 1;
      if (order.InstanceId) instanceIds.add(order.InstanceId);
      if (!order.OrderId || order.CertEndTime === undefined || seen.has(order.OrderId)) continue;
      const daysLeft = Math.floor((order.CertEndTime - options.now) / dayMs);
      if (daysLeft > options.maxDays) continue;
      seen.set(order.OrderId, {
        orderId: order.OrderId,
        domain: order.Domain ?? '',
        productName: order.ProductName ?? '',
        status: order.Status ?? status,
        certEndTime: order.CertEndTime,
        daysLeft,
      });
    }
  }
  return {
    scanned,
    expiring: [...seen.values()].sort((a, b) => a.certEndTime - b.certEndTime),
    instanceIds,
  };
}
