import type { CasClient } from '../cas/client.ts';
import type { InstanceRow } from '../cas/subscription-schemas.ts';
import { listExpiringOrders } from './expiring-orders.ts';
import { type LifetimeThresholds, lifetimeStanding } from './lifetime.ts';

/** A V2 certificate (the latest of a subscription instance) that crossed an alert point. */
export interface InstanceCertificate {
  instanceId: string;
  domain: string;
  certificateId: string | undefined;
  /** Epoch ms: the certificate's own validity (CertificateNotBefore / CertificateNotAfter). */
  notBefore: number;
  notAfter: number;
  daysLeft: number;
  percentLeft: number;
  /** The tightest alert point crossed, milliseconds before the end: the threshold claimed for it. */
  thresholdMs: number;
  /** Hosted by CAS (`AutoReissue=enable`): alerted only when hosting has not rotated it in time. */
  hosted: boolean;
  /** An application is under way (Status `pending`). */
  pending: boolean;
}

/** A subscription (the purchase) that ends: no API buys another, a person must. */
export interface SubscriptionEnding {
  instanceId: string;
  domain: string;
  /** Instance Status: `willExpire`, `expired`, or another when only OrderEndTime is near. */
  status: string;
  /** Epoch ms (OrderEndTime), when CAS says. */
  orderEndTime: number | undefined;
  daysLeft: number | undefined;
  /** Days threshold crossed; −1 once the subscription has expired. */
  threshold: number;
}

/** An instance reported in the scan summary (not alerted). */
export interface InstanceNote {
  instanceId: string;
  domain: string;
}

/** What the V2 listing found, before claims. */
export interface InstanceFindings {
  scanned: number;
  certificates: InstanceCertificate[];
  subscriptions: SubscriptionEnding[];
  /** Applications under way now (the caller decides which are stuck). */
  pending: InstanceNote[];
  /** Paid for, never applied. */
  inactive: InstanceNote[];
  /** Refunded or closed: never alerted. */
  ended: number;
  /** Every live instance's latest certificate end (epoch ms), to tell a rotated or ended one from an expired one. */
  latestEnd: Map<string, number | undefined>;
}

const dayMs = 86_400_000;
/** A hosted certificate this close to its end, with no newer one, was not rotated by CAS hosting (it starts at 30). */
export const hostingOverdueDays = 15;
/** How long after its end an ended subscription is still noticed (its claim lives 90 days past the end). */
const endedNoticeMs = 30 * dayMs;
const endedStatuses: ReadonlySet<string> = new Set(['refund', 'closed']);

/** The subscription notice a row calls for, if any (by Status, or OrderEndTime within the day thresholds). */
function subscriptionEnding(row: InstanceRow, days: readonly number[], now: number, id: string) {
  const status = row.Status ?? '';
  const end = row.OrderEndTime;
  const daysLeft = end === undefined ? undefined : Math.floor((end - now) / dayMs);
  const crossed = daysLeft === undefined ? [] : days.filter((d) => daysLeft <= d);
  let threshold: number | undefined;
  // Ended long ago: said when it ended (the notice is kept for the retention after the end); not every day since.
  if (end !== undefined && end < now - endedNoticeMs) return undefined;
  if (status === 'expired' || (daysLeft !== undefined && daysLeft < 0)) threshold = -1;
  else if (crossed.length > 0) threshold = Math.min(...crossed);
  else if (status === 'willExpire') threshold = Math.max(...days, 0);
  if (threshold === undefined) return undefined;
  return { instanceId: id, domain: row.Domain ?? '', status, orderEndTime: end, daysLeft, threshold };
}

/** The certificate alert a row calls for, if any: by its own lifetime, or (hosted) when hosting is overdue. */
function certificateAlert(row: InstanceRow, t: LifetimeThresholds, now: number, id: string) {
  const notBefore = row.CertificateNotBefore;
  const notAfter = row.CertificateNotAfter;
  if (notBefore === undefined || notAfter === undefined || notAfter <= now) return undefined;
  const hosted = row.AutoReissue === 'enable';
  const standing = lifetimeStanding(t, { notBefore, notAfter }, now);
  let thresholdMs = standing.crossedMs;
  if (hosted) {
    // The row's certificate is the latest (SDK: "the end time of the latest certificate"): none newer exists.
    const points = [hostingOverdueDays, ...t.days.filter((d) => d < hostingOverdueDays)].map(
      (d) => d * dayMs,
    );
    const crossed = points.filter((p) => notAfter - now < p);
    thresholdMs = crossed.length > 0 ? Math.min(...crossed) : undefined;
  }
  if (thresholdMs === undefined) return undefined;
  return {
    instanceId: id,
    domain: row.CertificateDomain ?? row.Domain ?? '',
    certificateId: row.CertificateId,
    notBefore,
    notAfter,
    daysLeft: standing.daysLeft,
    percentLeft: standing.percentLeft,
    thresholdMs,
    hosted,
    pending: row.Status === 'pending',
  };
}

/** Sorts one ListInstances row into the findings. */
export function classifyInstance(f: InstanceFindings, row: InstanceRow, t: LifetimeThresholds, now: number) {
  const id = row.InstanceId;
  if (!id) return;
  const status = row.Status ?? '';
  if (endedStatuses.has(status)) {
    f.ended += 1;
    return;
  }
  f.latestEnd.set(id, row.CertificateNotAfter);
  const note = { instanceId: id, domain: row.Domain ?? '' };
  if (status === 'inactive') f.inactive.push(note);
  if (status === 'pending') f.pending.push(note);
  const sub = subscriptionEnding(row, t.days, now, id);
  if (sub) f.subscriptions.push(sub);
  // An ended subscription cannot be rotated: its notice is the one that matters.
  if (sub?.threshold === -1) return;
  const cert = certificateAlert(row, t, now, id);
  if (cert) f.certificates.push(cert);
}

/**
 * The hosting quota left (GetInstanceSummary.AutoReissueCount), to say why hosting may not have rotated a
 * certificate; undefined when CAS does not say or cannot be asked (the alert goes out without it).
 */
export async function hostingQuotaLeft(cas: CasClient): Promise<number | undefined> {
  return cas.getInstanceSummary().then(
    (s) => s.AutoReissueCount,
    () => undefined,
  );
}

/**
 * Pages through every V2.0 subscription instance (ListInstances, 100 a page, the documented most; the client's
 * pacer keeps the paging within the shared rate) and sorts each into alerts and summary notes.
 */
export async function listInstanceFindings(
  cas: CasClient,
  options: {
    now: number;
    thresholds: LifetimeThresholds;
    /**
     * Instances of V1 plan orders (alerted as orders; whether ListInstances lists them is unverified, §7). May be
     * still coming: the rows are listed meanwhile and filtered once it is known.
     */
    v1Instances?: ReadonlySet<string> | Promise<ReadonlySet<string>>;
  },
): Promise<InstanceFindings> {
  const f: InstanceFindings = {
    scanned: 0,
    certificates: [],
    subscriptions: [],
    pending: [],
    inactive: [],
    ended: 0,
    latestEnd: new Map(),
  };
  const listed = await cas.listAllInstances({ showSize: 100 });
  const v1Instances = await options.v1Instances;
  const rows = listed.filter((r) => !r.InstanceId || !v1Instances?.has(r.InstanceId));
  f.scanned = rows.length;
  for (const row of rows) classifyInstance(f, row, options.thresholds, options.now);
  f.certificates.sort((a, b) => a.notAfter - b.notAfter);
  return f;
}

/**
 * A scan's two listings side by side: the V1 plan orders (ListUserCertificateOrder) and the V2 instances
 * (ListInstances). Alibaba rate-limits each API operation on its own ("a quota defines the maximum number of calls
 * allowed for a specific OpenAPI operation", help.aliyun.com/en/openapi/throttling-and-quota-management), and the
 * pacer keeps one window per action, so neither listing waits for the other: a scan takes as long as the longer
 * listing, not both added up.
 */
export async function listOrdersAndInstances(
  cas: CasClient,
  options: { now: number; maxDays: number; thresholds: LifetimeThresholds },
) {
  const orders = listExpiringOrders(cas, { now: options.now, maxDays: options.maxDays });
  const v1Instances = orders.then((o) => o.instanceIds);
  // A failed V1 listing fails the scan through `orders` (below); the V2 listing reads this only once its pages are in.
  v1Instances.catch(() => undefined);
  const findings = listInstanceFindings(cas, {
    now: options.now,
    thresholds: options.thresholds,
    v1Instances,
  });
  const [o, f] = await Promise.all([orders, findings]);
  return { orders: o, findings: f };
}
