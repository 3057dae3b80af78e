import type { AlertedOrder } from './alert-state.ts';
import type { InstanceCertificate, SubscriptionEnding } from './expiring-instances.ts';
import type { ExpiringOrder } from './expiring-orders.ts';

/** An expiring order of an alert, with the smallest threshold (days) it crossed: the one claimed for it. */
export interface ThresholdOrder extends ExpiringOrder {
  threshold: number;
}

/**
 * What the expiry scan has to say, as data (the Slack layer renders it, escaping outside text there):
 * - `expiry`: one channel's alerts of a scan: orders that crossed a threshold (each offered Renew and Snooze), and
 *   alerted orders that expired without a renewal (the final alert; V2 instances too); V2 certificates that crossed
 *   a lifetime threshold (Renew carries the instance ID; a hosted one says hosting has not rotated it), and
 *   subscriptions that end (a purchase: a console link, no button);
 * - `scan_failing`: the scan (of `account`, with an accounts file) failed `failures` times in a row, for `reason`
 *   (an error's message);
 * - `scan_recovered`: it works again.
 */
export type Alert =
  | {
      kind: 'expiry';
      channel: string;
      expiring: readonly ThresholdOrder[];
      expired: readonly AlertedOrder[];
      certificates?: readonly InstanceCertificate[];
      subscriptions?: readonly SubscriptionEnding[];
      /** Hosting quota left, with hosted certificates hosting has not rotated (GetInstanceSummary). */
      hostingQuotaLeft?: number;
    }
  | { kind: 'scan_failing'; channel: string; reason: string; failures: number; account?: string }
  | { kind: 'scan_recovered'; channel: string; account?: string };

/**
 * Posts one alert, all of it or nothing more once a message fails (the Slack layer implements it, as the outbox's
 * `Deliver`). Resolves true when Slack took every message, false when one was refused (already logged by the
 * poster); the scan then gives the alert's claims back.
 */
export type PostAlert = (alert: Alert) => Promise<boolean>;
