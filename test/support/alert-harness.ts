import type { SeedOrder } from '../../src/cas-sim/seed.ts';
import { type AppHarness, startAppHarness } from './app-harness.ts';
import { buildOrder } from './cas.ts';

/** One day, milliseconds. */
export const day = 86_400_000;

/**
 * A harness (app and worker) whose clock the test moves; orders expire `days` after `start` (plus 6 h, so days
 * are whole). `start` must be real time: the app checks Slack signatures against this clock.
 */
export async function startAlertHarness(
  start: number,
  ordersByDays: Array<number | (Partial<SeedOrder> & { days: number })>,
  env: Record<string, string> = {},
) {
  let now = start;
  const orders = ordersByDays.map((o) => {
    const { days, ...rest } = typeof o === 'number' ? { days: o } : o;
    return buildOrder({
      certEndTime: start + days * day + 6 * 3600_000,
      status: days <= 30 ? 'WILLEXPIRED' : 'ISSUED',
      ...rest,
    });
  });
  const harness = await startAppHarness({
    seed: { orders, qps: { ListUserCertificateOrder: 10 } },
    worker: {},
    now: () => now,
    env: { CERT_ALERT_CHANNEL: 'C0ALERTS', ...env },
  });
  return { orders, advance: (days: number) => (now += days * day), harness };
}

/** The expiry alerts posted so far (top-level messages, not thread replies). */
export function alertPosts(harness: AppHarness) {
  return harness.slack.calls.filter(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.args.thread_ts === undefined &&
      String(c.args.text).startsWith('Certificates expiring soon'),
  );
}

/** The final "expired without a renewal" alerts posted so far. */
export function expiredPosts(harness: AppHarness) {
  return harness.slack
    .okCalls('chat.postMessage')
    .filter((c) => String(c.args.text).startsWith('Certificates expired without a renewal'));
}
