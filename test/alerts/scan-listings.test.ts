import { afterEach, describe, expect, it } from 'vitest';
import { listOrdersAndInstances } from '../../src/alerts/expiring-instances.ts';
import { buildOrder, startCasSim } from '../support/cas.ts';
import { day, subscription } from '../support/v2-scan.ts';

type Harness = Awaited<ReturnType<typeof startCasSim>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const thresholds = { days: [30, 14, 7, 3, 1], lifetimePercent: [33, 15, 5] };

/**
 * An account of 500 issued V1 orders (11 pages of 50 with the WILLEXPIRED one) and 300 V2 instances (3 pages). No
 * rate limit: these tests are about the order of the calls, not their pace (the client here has no pacer).
 */
function account(now: number) {
  return {
    qps: {},
    orders: Array.from({ length: 500 }, () => buildOrder({ status: 'ISSUED', certEndTime: now + 200 * day })),
    subscriptions: Array.from({ length: 300 }, (_, i) =>
      subscription(`cas-side-${i}`, now, { lifetimeDays: 365, daysLeft: 200 }),
    ),
  };
}

describe('the two listings of a scan', () => {
  it('run side by side: the V2 listing starts before the V1 listing has ended', async () => {
    const now = Date.now();
    harness = await startCasSim(account(now));

    const { orders, findings } = await listOrdersAndInstances(harness.client(), {
      now,
      maxDays: 30,
      thresholds,
    });

    expect(orders.scanned).toBe(500);
    expect(findings.scanned).toBe(300);
    const actions = harness.sim.calls.map((c) => c.action);
    expect(actions.filter((a) => a === 'ListUserCertificateOrder')).toHaveLength(11);
    expect(actions.filter((a) => a === 'ListInstances')).toHaveLength(3);
    expect(actions.indexOf('ListInstances')).toBeLessThan(actions.lastIndexOf('ListUserCertificateOrder'));
  });

  it('a failed V1 listing fails the scan, while the V2 listing is still under way, with no stray rejection', async () => {
    const now = Date.now();
    harness = await startCasSim(account(now));
    harness.sim.faults.add({
      action: 'ListUserCertificateOrder',
      fault: { kind: 'error', status: 403, code: 'Forbidden.RAM', message: 'no permission' },
    });

    await expect(
      listOrdersAndInstances(harness.client(), { now, maxDays: 30, thresholds }),
    ).rejects.toMatchObject({ casCode: 'Forbidden.RAM' });
  });
});
