import type { WebClient } from '@slack/web-api';
import type { CasClient } from '../cas/client.ts';
import { isAppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { renewedRequestOf } from '../renewals/recent-renewal.ts';
import type { RenewalStore } from '../renewals/store.ts';
import type { SlackMessage } from '../slack/cards.ts';
import { renderExpiredAlerts, renderExpiryAlerts, scanHealthText } from './alert-messages.ts';
import type { AlertState, ThresholdClaim } from './alert-state.ts';
import { type ExpiringOrder, listExpiringOrders } from './expiring-orders.ts';
import { type AlertRoute, routeFor } from './routes.ts';

/** What a scan did, for `/cert scan` and the logs. */
export interface ScanSummary {
  scanned: number;
  expiring: number;
  alerted: number;
  expired: number;
  inFlight: number;
  snoozed: number;
  unrouted: number;
  channels: string[];
}

/** Dependencies of {@link createAlertService}. */
export interface AlertServiceDeps {
  cas: CasClient;
  state: AlertState;
  store: RenewalStore;
  slack: WebClient;
  logger: Logger;
  now: () => number;
  /** Waits between two messages to the same channel (Slack allows about one per second). */
  sleep?: (ms: number) => Promise<void>;
  alerts: { days: readonly number[]; channel: string | undefined; routes: readonly AlertRoute[] };
  /** Called for every alert posted (metrics). */
  onPosted?: (kind: 'expiring' | 'expired' | 'scan_health', count: number) => void;
}

/**
 * The expiry scan: finds orders that crossed an alert threshold, alerts each once per threshold (claims in
 * Redis survive restarts and concurrent scans), routes them to channels, and posts one message per channel per
 * scan (split only past 20 orders, then a second apart). Orders with a renewal in flight or snoozed are skipped;
 * renewed orders are forgotten; an alerted order that expires without a renewal gets one final alert.
 */
export function createAlertService(deps: AlertServiceDeps) {
  const { state, store, logger, now } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxDays = deps.alerts.days[0] ?? 30;

  async function post(channel: string, messages: SlackMessage[]): Promise<boolean> {
    for (const [i, message] of messages.entries()) {
      if (i > 0) await sleep(1_000);
      try {
        await deps.slack.chat.postMessage({
          channel,
          text: message.text,
          ...(message.blocks.length > 0 ? { blocks: message.blocks } : {}),
        });
      } catch (err) {
        logger.error(
          {
            channel,
            slackError: (err as { data?: { error?: string } }).data?.error ?? (err as Error).message,
          },
          'expiry alert not posted',
        );
        return false;
      }
    }
    return true;
  }

  async function runScan(): Promise<ScanSummary> {
    const at = now();
    const { scanned, expiring } = await listExpiringOrders(deps.cas, { now: at, maxDays });
    const summary: ScanSummary = {
      scanned,
      expiring: expiring.length,
      alerted: 0,
      expired: 0,
      inFlight: 0,
      snoozed: 0,
      unrouted: 0,
      channels: [],
    };
    const byChannel = new Map<string, ExpiringOrder[]>();
    const claims = new Map<string, ThresholdClaim[]>();
    for (const order of expiring) {
      if (await renewedRequestOf(store, order.orderId)) {
        await state.forget(order.orderId);
        continue;
      }
      if (await store.findOpen(order.orderId)) {
        summary.inFlight += 1;
        continue;
      }
      if (await state.isSnoozed(order.orderId)) {
        summary.snoozed += 1;
        continue;
      }
      const crossed = deps.alerts.days.filter((d) => order.daysLeft <= d);
      if (crossed.length === 0 || order.daysLeft < 0) continue;
      const channel = routeFor(order.domain, deps.alerts.routes, deps.alerts.channel);
      if (!channel) {
        summary.unrouted += 1;
        continue;
      }
      const claim = await state.claimThreshold(order, Math.min(...crossed));
      if (!claim) continue;
      byChannel.set(channel, [...(byChannel.get(channel) ?? []), order]);
      claims.set(channel, [...(claims.get(channel) ?? []), claim]);
    }
    const expiredByChannel = new Map<
      string,
      Array<{ orderId: string; domain: string; productName: string; certEndTime: number }>
    >();
    for (const order of await state.expiredSinceAlerted()) {
      if (await renewedRequestOf(store, order.orderId)) {
        await state.forget(order.orderId);
        continue;
      }
      const channel = routeFor(order.domain, deps.alerts.routes, deps.alerts.channel);
      if (!channel || !(await state.claimExpired(order.orderId))) continue;
      expiredByChannel.set(channel, [...(expiredByChannel.get(channel) ?? []), order]);
    }
    for (const channel of new Set([...byChannel.keys(), ...expiredByChannel.keys()])) {
      const messages = renderExpiryAlerts(byChannel.get(channel) ?? []);
      const expired = expiredByChannel.get(channel) ?? [];
      messages.push(...renderExpiredAlerts(expired));
      if (await post(channel, messages)) {
        summary.alerted += byChannel.get(channel)?.length ?? 0;
        summary.expired += expired.length;
        deps.onPosted?.('expiring', byChannel.get(channel)?.length ?? 0);
        deps.onPosted?.('expired', expired.length);
        summary.channels.push(channel);
      } else {
        // Not posted: the claims go back, so the next scan alerts these orders again instead of never.
        for (const claim of claims.get(channel) ?? []) await state.releaseThreshold(claim);
        for (const order of expired) await state.releaseExpired(order.orderId);
      }
    }
    logger.info({ scan: summary }, 'expiry scan finished');
    return summary;
  }

  return {
    runScan,
    /** A scan that also watches itself: two failures in a row post one notice; the next success posts another. */
    async runWatchedScan(): Promise<ScanSummary> {
      try {
        const summary = await runScan();
        if ((await state.scanSucceeded()).notifyRecovered && deps.alerts.channel) {
          if (await post(deps.alerts.channel, [{ text: scanHealthText.recovered(), blocks: [] }])) {
            deps.onPosted?.('scan_health', 1);
          }
        }
        return summary;
      } catch (err) {
        const reason = isAppError(err) ? err.message : 'unexpected error';
        logger.error({ err: { message: reason } }, 'expiry scan failed');
        const health = await state.scanFailed();
        if (health.notify && deps.alerts.channel) {
          const text = scanHealthText.failing(reason, health.failures);
          const posted = await post(deps.alerts.channel, [
            { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] },
          ]);
          if (posted) deps.onPosted?.('scan_health', 1);
        }
        throw err;
      }
    },
  };
}

/** The alert service. */
export type AlertService = ReturnType<typeof createAlertService>;
