import type { CasClient } from '../cas/client.ts';
import type { AlertRoute } from '../config/alert-routes.ts';
import { isAppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { renewedRequestOf } from '../renewals/recent-renewal.ts';
import type { RenewalStore } from '../renewals/store.ts';
import type { PostAlert, ThresholdOrder } from './alert.ts';
import type { AlertClaim, AlertedOrder, AlertState } from './alert-state.ts';
import {
  hostingQuotaLeft,
  type InstanceFindings,
  type InstanceNote,
  listOrdersAndInstances,
} from './expiring-instances.ts';
import type { ExpiringOrder } from './expiring-orders.ts';
import { claimInstanceAlerts, expiredVerdict, type InstanceChannelAlerts } from './instance-alerts.ts';
import { routeFor } from './routes.ts';

/** What a scan did, for `/cert scan` and the logs (lists of instances hold the first {@link listedMost}). */
export interface ScanSummary {
  /** V1 plan orders listed. */
  scanned: number;
  /** V2 subscription instances listed. */
  instances: number;
  /** Orders and V2 certificates within their thresholds. */
  expiring: number;
  /** Orders and V2 certificates newly alerted (hosted ones included). */
  alerted: number;
  expired: number;
  /** Hosted V2 certificates hosting has not rotated, newly alerted. */
  hostingOverdue: number;
  /** Subscription-ending notices posted. */
  subscriptions: number;
  /** Refunded or closed instances (never alerted). */
  endedInstances: number;
  inFlight: number;
  snoozed: number;
  unrouted: number;
  channels: string[];
  /** Applications pending for more than 3 days (stuck domain validation, most likely). */
  stuckPending: { count: number; first: Array<InstanceNote & { since: number }> };
  /** Instances paid for and never applied for. */
  inactive: { count: number; first: InstanceNote[] };
}

/** How many instances a summary's lists name; the rest is counted. */
export const listedMost = 20;
const listed = <T>(items: readonly T[]) => ({ count: items.length, first: items.slice(0, listedMost) });

/** Dependencies of {@link createAlertService}. */
export interface AlertServiceDeps {
  cas: CasClient;
  state: AlertState;
  store: RenewalStore;
  /** Posts an alert (the Slack layer renders it): the scan only says what to post. */
  post: PostAlert;
  logger: Logger;
  now: () => number;
  alerts: {
    days: readonly number[];
    /** Percent of a V2 certificate's lifetime left (CERT_ALERT_LIFETIME_PERCENT). @defaultValue [33, 15, 5] */
    lifetimePercent?: readonly number[];
    channel: string | undefined;
    routes: readonly AlertRoute[];
  };
  /** The account scanned, with an accounts file: its scan health is its own, and its notices name it. */
  account?: string | undefined;
  /** Called for every alert posted (metrics). */
  onPosted?: (kind: 'expiring' | 'expired' | 'scan_health', count: number) => void;
}

/** One channel's alerts of a scan, and their claims. */
interface ChannelAlerts extends InstanceChannelAlerts {
  expiring: ThresholdOrder[];
  expired: AlertedOrder[];
}

/**
 * The expiry scan: finds orders that crossed an alert threshold, alerts each once per threshold (claims in
 * Redis survive restarts and concurrent scans), routes them to channels, and posts one alert per channel per
 * scan through `post` (the Slack layer renders and sends it). Orders with a renewal in flight or snoozed are skipped;
 * renewed orders are forgotten; an alerted order that expires without a renewal gets one final alert.
 */
export function createAlertService(deps: AlertServiceDeps) {
  const { state, store, logger, now } = deps;
  const maxDays = deps.alerts.days[0] ?? 30;
  const thresholds = { days: deps.alerts.days, lifetimePercent: deps.alerts.lifetimePercent ?? [33, 15, 5] };
  const route = (domain: string) => routeFor(domain, deps.alerts.routes, deps.alerts.channel);

  /** Claims the alerts this scan owes, by channel; `pending` collects every claim made, for the caller to settle. */
  async function claimAlerts(
    expiring: ExpiringOrder[],
    findings: InstanceFindings,
    summary: ScanSummary,
    pending: Set<AlertClaim>,
  ) {
    const byChannel = new Map<string, ChannelAlerts>();
    const into = (channel: string) => {
      const alerts = byChannel.get(channel) ?? {
        expiring: [],
        expired: [],
        certificates: [],
        subscriptions: [],
        claims: [],
      };
      byChannel.set(channel, alerts);
      return alerts;
    };
    await claimOrders(expiring, summary, pending, into);
    await claimInstanceAlerts({ state, store, route, into, pending }, findings, summary);
    await claimExpired(findings, pending, into);
    return byChannel;
  }

  /** The V1 orders' threshold claims. */
  async function claimOrders(
    expiring: ExpiringOrder[],
    summary: ScanSummary,
    pending: Set<AlertClaim>,
    into: (channel: string) => ChannelAlerts,
  ) {
    for (const order of expiring) {
      const skip = await skipReason(order);
      if (skip) {
        if (skip !== 'renewed') summary[skip] += 1;
        continue;
      }
      const crossed = deps.alerts.days.filter((d) => order.daysLeft <= d);
      if (crossed.length === 0 || order.daysLeft < 0) continue;
      const channel = route(order.domain);
      if (!channel) {
        summary.unrouted += 1;
        continue;
      }
      const threshold = Math.min(...crossed);
      const claim = await state.claimThreshold(order, threshold);
      if (!claim) continue;
      pending.add(claim);
      into(channel).expiring.push({ ...order, threshold });
      into(channel).claims.push(claim);
    }
  }

  /** The final "expired" alerts: orders without a renewal, V2 certificates without a newer one. */
  async function claimExpired(
    findings: InstanceFindings,
    pending: Set<AlertClaim>,
    into: (channel: string) => ChannelAlerts,
  ) {
    for (const order of await state.expiredSinceAlerted()) {
      const verdict = expiredVerdict(order, findings);
      if (verdict === 'keep') continue;
      if (verdict === 'forget' || (verdict === 'v1' && (await renewedRequestOf(store, order.orderId)))) {
        await state.forget(order.orderId);
        continue;
      }
      const channel = route(order.domain);
      const claim = channel ? await state.claimExpired(order.orderId) : undefined;
      if (!channel || !claim) continue;
      pending.add(claim);
      into(channel).expired.push(order);
      into(channel).claims.push(claim);
    }
  }

  /** Why an expiring order gets no alert now (a renewed one is also forgotten), if it does not. */
  async function skipReason(order: ExpiringOrder): Promise<'renewed' | 'inFlight' | 'snoozed' | undefined> {
    if (await renewedRequestOf(store, order.orderId)) {
      await state.forget(order.orderId);
      return 'renewed';
    }
    if (await store.findOpen(order.orderId)) return 'inFlight';
    if (await state.isSnoozed(order.orderId)) return 'snoozed';
    return undefined;
  }

  /** Posts one channel's alerts; completes its claims when Slack took them, gives them back when not. */
  async function postChannel(
    channel: string,
    alerts: ChannelAlerts,
    summary: ScanSummary,
    pending: Set<AlertClaim>,
    quota: () => Promise<number | undefined>,
  ) {
    const { expiring, expired, certificates, subscriptions } = alerts;
    const hosted = certificates.filter((c) => c.hosted).length;
    const quotaLeft = hosted > 0 ? await quota() : undefined;
    // The V2 parts only when there are some: an alert of orders alone is what it always was.
    const v2 = {
      ...(certificates.length ? { certificates } : {}),
      ...(subscriptions.length ? { subscriptions } : {}),
      ...(quotaLeft !== undefined ? { hostingQuotaLeft: quotaLeft } : {}),
    };
    const posted = await deps.post({ kind: 'expiry', channel, expiring, expired, ...v2 });
    // Settled either way: a claim no longer pending is not given back if Redis fails from here on.
    for (const claim of alerts.claims) pending.delete(claim);
    if (!posted) {
      // Not posted: the claims go back, so the next scan alerts these orders again instead of never.
      for (const claim of alerts.claims) await state.release(claim);
      return;
    }
    for (const claim of alerts.claims) await state.complete(claim);
    summary.alerted += expiring.length + certificates.length;
    summary.hostingOverdue += hosted;
    summary.subscriptions += subscriptions.length;
    summary.expired += alerts.expired.length;
    deps.onPosted?.('expiring', expiring.length + certificates.length + subscriptions.length);
    deps.onPosted?.('expired', alerts.expired.length);
    summary.channels.push(channel);
  }

  async function runScan(): Promise<ScanSummary> {
    // Claims a scan made and never settled (it died, or lost Redis) go back once their lease ran out.
    const stale = await state.releaseExpiredLeases();
    if (stale > 0) logger.warn({ claims: stale }, 'expiry alert claims of an unfinished scan given back');
    const { orders, findings } = await listOrdersAndInstances(deps.cas, { now: now(), maxDays, thresholds });
    const { scanned, expiring } = orders;
    const summary: ScanSummary = {
      scanned,
      instances: findings.scanned,
      expiring: expiring.length + findings.certificates.length,
      alerted: 0,
      expired: 0,
      hostingOverdue: 0,
      subscriptions: 0,
      endedInstances: findings.ended,
      inFlight: 0,
      snoozed: 0,
      unrouted: 0,
      channels: [],
      stuckPending: listed(await state.pendingWatch.stuck(findings.pending)),
      inactive: listed(findings.inactive),
    };
    const pending = new Set<AlertClaim>();
    try {
      const byChannel = await claimAlerts(expiring, findings, summary, pending);
      // Asked once a scan, and only when a hosted certificate is alerted.
      let quota: Promise<number | undefined> | undefined;
      const quotaOnce = () => {
        quota ??= hostingQuotaLeft(deps.cas);
        return quota;
      };
      for (const [channel, alerts] of byChannel)
        await postChannel(channel, alerts, summary, pending, quotaOnce);
    } catch (err) {
      // A failure half-way (Redis, most likely) gives back every claim not settled yet; what cannot be given back
      // now, a later scan gives back once its lease ran out.
      for (const claim of pending) await state.release(claim).catch(() => undefined);
      throw err;
    }
    logger.info({ scan: summary }, 'expiry scan finished');
    return summary;
  }

  return {
    runScan,
    /** A scan that also watches itself: two failures in a row post one notice; the next success posts another. */
    async runWatchedScan(): Promise<ScanSummary> {
      const { account } = deps;
      const channel = deps.alerts.channel;
      const named = account ? { account } : {};
      try {
        const summary = await runScan();
        if ((await state.scanSucceeded(account)).notifyRecovered && channel) {
          if (await deps.post({ kind: 'scan_recovered', channel, ...named }))
            deps.onPosted?.('scan_health', 1);
        }
        return summary;
      } catch (err) {
        const reason = scanFailureReason(err);
        logger.error({ err: { message: reason }, ...named }, 'expiry scan failed');
        const health = await state.scanFailed(account);
        if (health.notify && channel) {
          const { failures } = health;
          const posted = await deps.post({ kind: 'scan_failing', channel, reason, failures, ...named });
          if (posted) deps.onPosted?.('scan_health', 1);
        }
        throw err;
      }
    },
  };
}

/** What a failed scan says of its cause: an error the bot raised on purpose says its message; any other, nothing. */
export const scanFailureReason = (err: unknown) => (isAppError(err) ? err.message : 'unexpected error');

/** The alert service. */
export type AlertService = ReturnType<typeof createAlertService>;
