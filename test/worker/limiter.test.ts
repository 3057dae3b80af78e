import { afterEach, describe, expect, it } from 'vitest';
import { createCasClient } from '../../src/cas/client.ts';
import { silentLogger } from '../../src/logger.ts';
import { startWorkerRole, type WorkerRole } from '../../src/roles/worker-role.ts';
import {
  type AppHarness,
  approverId,
  fastTimings,
  openCard,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { testCredentials } from '../support/secrets.ts';

let h: AppHarness | undefined;
let second: WorkerRole | undefined;
afterEach(async () => {
  await second?.stop();
  await h?.stop();
  h = undefined;
  second = undefined;
});

describe('the global CAS rate limit (CERT_CAS_QPS)', () => {
  it('holds across two workers: the renewal steps of 6 requests are spread out, never bunched', async () => {
    const orders = Array.from({ length: 6 }, () => buildOrder({ renewScript: [{ type: 'certificate' }] }));
    h = await startAppHarness({ seed: { orders }, env: { CERT_CAS_QPS: '3' }, worker: {} });
    second = await startWorkerRole({
      config: h.config,
      logger: silentLogger,
      cas: createCasClient({ endpoint: h.cas.url, credentials: () => testCredentials, timeoutMs: 1_000 }),
      timings: fastTimings,
    });
    const cards = [];
    for (const order of orders) cards.push(await openCard(h, String(order.orderId)));

    for (const card of cards)
      await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    await Promise.all(
      cards.map((card) =>
        h?.slack.waitForCall(
          (c) => c.args.thread_ts === card.ts && /Renewal issued/.test(String(c.args.text)),
          20_000,
        ),
      ),
    );

    // Each request takes two job runs here (renew, then one poll): 12 runs at 3 a second.
    const steps = (h.cas.sim.calls ?? []).filter(
      (c) => c.action === 'RenewCertificateOrderForPackageRequest' || c.action === 'DescribeCertificateState',
    );
    const times = steps.map((c) => c.at).sort((a, b) => a - b);
    const busiest = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    expect(steps).toHaveLength(12);
    // BullMQ's limiter counts fixed windows, so a sliding second may hold two windows' worth.
    expect(busiest).toBeLessThanOrEqual(6);
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(2_500);
  }, 30_000);
});
