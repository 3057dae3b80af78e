import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.ts';
import { createAlertService } from '../../src/alerts/alert-service.ts';
import { createAlertState } from '../../src/alerts/alert-state.ts';
import { silentLogger } from '../../src/logger.ts';
import { createRenewalStore } from '../../src/renewals/store.ts';
import { startAlertHarness } from '../support/alert-harness.ts';
import type { AppHarness } from '../support/app-harness.ts';

// Real time at the start: the app checks Slack signatures against this clock.
const start = Date.now();
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** A scan over the harness's CAS and Redis whose alerts go to `post` instead of Slack. */
function scanInto(harness: AppHarness, now: () => number, post: (alert: Alert) => Promise<boolean>) {
  return createAlertService({
    cas: harness.cas.client(),
    state: createAlertState({ redis: harness.app.redis, prefix: harness.prefix, now }),
    store: createRenewalStore({ redis: harness.app.redis, prefix: harness.prefix }),
    post,
    logger: silentLogger,
    now,
    alerts: harness.config.alerts,
  });
}

describe('the expiry scan says what to post, as data', () => {
  it('describes each channel alert (kind, orders with the threshold crossed, channel), its text unescaped', async () => {
    const domain = '<!channel> & co.example.com';
    const started = await startAlertHarness(start, [{ days: 5, domain }, 40]);
    h = started.harness;
    const posted: Alert[] = [];
    const scan = scanInto(
      h,
      () => start,
      async (alert) => posted.push(alert) > 0,
    );

    const summary = await scan.runScan();

    const [order] = started.orders;
    expect(summary).toMatchObject({ expiring: 1, alerted: 1, channels: ['C0ALERTS'] });
    expect(posted).toEqual([
      {
        kind: 'expiry',
        channel: 'C0ALERTS',
        expiring: [expect.objectContaining({ orderId: order?.orderId, domain, daysLeft: 5, threshold: 7 })],
        expired: [],
      },
    ]);
  });

  it('a post refused gives the claims back: the next scan describes the same alert again', async () => {
    const started = await startAlertHarness(start, [5]);
    h = started.harness;
    const posted: Alert[] = [];
    let accept = false;
    const scan = scanInto(
      h,
      () => start,
      async (alert) => {
        posted.push(alert);
        return accept;
      },
    );

    const refused = await scan.runScan();
    accept = true;
    const retried = await scan.runScan();
    const again = await scan.runScan();

    expect([refused.alerted, retried.alerted, again.alerted]).toEqual([0, 1, 0]);
    expect(posted).toHaveLength(2);
    expect(posted[1]).toEqual(posted[0]);
  });

  it('a scan failing twice in a row describes one scan_failing notice, with the reason as data', async () => {
    const started = await startAlertHarness(start, [5]);
    h = started.harness;
    const posted: Alert[] = [];
    const scan = scanInto(
      h,
      () => start,
      async (alert) => posted.push(alert) > 0,
    );
    h.cas.sim.faults.add({
      action: 'ListUserCertificateOrder',
      fault: { kind: 'error', status: 403, code: 'Forbidden.RAM', message: 'no <!here> & permission' },
      times: 2,
    });

    await expect(scan.runWatchedScan()).rejects.toMatchObject({ code: 'CAS_API_ERROR' });
    await expect(scan.runWatchedScan()).rejects.toMatchObject({ code: 'CAS_API_ERROR' });
    await scan.runWatchedScan();

    expect(posted.map((a) => a.kind)).toEqual(['scan_failing', 'expiry', 'scan_recovered']);
    expect(posted[0]).toMatchObject({ kind: 'scan_failing', channel: 'C0ALERTS', failures: 2 });
    expect(posted[0]).toMatchObject({ reason: expect.stringContaining('no <!here> & permission') });
  });
});
