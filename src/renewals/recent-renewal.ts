import type { CasClient } from '../cas/client.ts';
import type { CertificateOrder } from '../cas/order-schemas.ts';
import { isAppError } from '../errors.ts';
import type { EarlierRenewal, RenewalRecord } from './record.ts';
import { isRenewed } from './renewal-states.ts';
import type { RenewalStore } from './store.ts';

/** How far back an earlier renewal is looked for: a renewal this recent makes another one a second payment. */
export const recentRenewalWindowMs = 90 * 86_400_000;

/** CAS statuses of a plan order in flight: pending application, under review. */
const inFlightStatuses: ReadonlySet<string> = new Set(['PAYED', 'CHECKING']);

/**
 * When another plan order of the same domain renewed `order`, if it did: one in flight (pending application or
 * under review) whenever it was bought; an issued one bought, or whose certificate started, after `order`'s and
 * since `windowStart`. Both times count because CAS may list a renewal's new order with the old order's buy date
 * (the simulator's `listing: bare`); its certificate then still starts when it is issued.
 */
function renewedAt(
  o: CertificateOrder,
  order: Pick<CertificateOrder, 'BuyDate' | 'CertStartTime'>,
  windowStart: number,
): number | undefined {
  if (o.Status && inFlightStatuses.has(o.Status)) return o.BuyDate ?? 0;
  if (o.Status !== 'ISSUED') return undefined;
  const bought = Math.max(windowStart, order.BuyDate ?? 0);
  if (o.BuyDate !== undefined && o.BuyDate > bought) return o.BuyDate;
  const started = Math.max(windowStart, order.CertStartTime ?? 0);
  if (o.CertStartTime !== undefined && o.CertStartTime > started) return o.CertStartTime;
  return undefined;
}

/** Orders of the domain's listing looked at, at most (the keyword is fuzzy: it also matches subdomains). */
const maxListed = 500;

/**
 * The request that renewed an order, if any: its most recent request when that one renewed it (issued, or closed
 * as renewed), else the last request that claimed a new order for it (the paid call happened), when it renewed.
 */
export async function renewedRequestOf(
  store: RenewalStore,
  orderId: string,
): Promise<RenewalRecord | undefined> {
  const latest = await store.findLatest(orderId);
  if (latest && isRenewed(latest)) return latest;
  const renewal = await store.findRenewal(orderId);
  return renewal && isRenewed(renewal) ? renewal : undefined;
}

type OurRenewal = Extract<EarlierRenewal, { source: 'ours' }>;

function ours(record: RenewalRecord): OurRenewal | undefined {
  if (!record.newOrderId) return undefined;
  return {
    source: 'ours',
    requestId: record.id,
    state: record.state,
    newOrderId: record.newOrderId,
    at: record.submittedAt ?? record.resolvedAt ?? record.updatedAt ?? record.requestedAt,
    channelId: record.channelId,
    ...(record.decidedBy ? { decidedBy: record.decidedBy } : {}),
    ...(record.resolvedBy ? { resolvedBy: record.resolvedBy } : {}),
    ...(record.messageTs ? { messageTs: record.messageTs } : {}),
  };
}

/** What the CAS part of the check needs of the old order: its ID, domain and when it was bought and started. */
export type OrderSeen = Pick<CertificateOrder, 'OrderId' | 'Domain' | 'BuyDate' | 'CertStartTime'>;

/**
 * Looks for an earlier renewal of an order, in two parts. `inRecords` (free: Redis) runs when a request opens, so
 * its card says so first: a request of ours that paid for a new order, whatever became of it since. `inCas` (one
 * paced listing of the domain) runs when an approver approves, since only that spends money: another plan order of
 * the same domain, in flight, or issued after this one within the window (renewed in the console, or by another
 * tool). When CAS cannot be asked, says so rather than nothing. CAS may list a new order without its domain until
 * its application names one: such an order is found from then on.
 */
export function createRecentRenewalCheck(deps: { store: RenewalStore; cas: CasClient; now: () => number }) {
  async function newerInCas(order: OrderSeen): Promise<EarlierRenewal | undefined> {
    const domain = order.Domain?.toLowerCase();
    if (!domain) return undefined;
    const windowStart = deps.now() - recentRenewalWindowMs;
    let newest: EarlierRenewal | undefined;
    let seen = 0;
    for await (const o of deps.cas.listAllUserCertificateOrders({ keyword: domain, orderType: 'CPACK' })) {
      if (++seen > maxListed) break;
      if (!o.OrderId || o.OrderId === order.OrderId || o.Domain?.toLowerCase() !== domain) continue;
      const at = renewedAt(o, order, windowStart);
      if (at === undefined || (newest?.source === 'cas' && newest.at >= at)) continue;
      newest = { source: 'cas', newOrderId: o.OrderId, status: o.Status ?? '', at };
    }
    return newest;
  }

  return {
    /** A recent request of ours that renewed the order (no CAS call). */
    async inRecords(orderId: string): Promise<EarlierRenewal | undefined> {
      const renewal = await deps.store.findRenewal(orderId);
      const mine = renewal ? ours(renewal) : undefined;
      return mine && mine.at > deps.now() - recentRenewalWindowMs ? mine : undefined;
    },

    /** A newer plan order of the domain that CAS lists (one paced listing), or that CAS could not be asked. */
    async inCas(order: OrderSeen): Promise<EarlierRenewal | undefined> {
      try {
        return await newerInCas(order);
      } catch (err) {
        return { source: 'unchecked', reason: isAppError(err) ? err.message : 'unexpected error' };
      }
    },
  };
}

/** Finds an earlier renewal of an order. */
export type RecentRenewalCheck = ReturnType<typeof createRecentRenewalCheck>;
