import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppHarness, approverId, openCard, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { type PrivateRedis, startRedisServer } from '../support/redis-server.ts';

let h: AppHarness | undefined;
let privateRedis: PrivateRedis | undefined;
afterEach(async () => {
  await h?.stop();
  await privateRedis?.stop();
  h = undefined;
  privateRedis = undefined;
});

async function get(url: string): Promise<{ status: number; text: string; type: string }> {
  const res = await request(url);
  return { status: res.statusCode, text: await res.body.text(), type: String(res.headers['content-type']) };
}

describe('/metrics', () => {
  it('counts renewals by outcome, CAS calls by operation and code with latency, Slack errors, alerts, queues and approvals', async () => {
    const order = buildOrder({ renewScript: [{ type: 'certificate' }] });
    const expiring = buildOrder({ status: 'ISSUED', certEndTime: Date.now() + 3 * 86_400_000 });
    h = await startAppHarness({
      worker: {},
      seed: { orders: [order, expiring] },
      env: { CERT_ALERT_CHANNEL: 'C0ALERTS' },
    });
    h.cas.sim.faults.add({ action: 'DescribeCertificateState', fault: { kind: 'throttle' } });
    const card = await openCard(h, String(order.orderId));
    await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    await h.slack.waitForCall((c) => /Renewal issued/.test(String(c.args.text)));
    h.slack.addFault({ method: 'chat.postMessage', error: 'not_in_channel', when: { channel: 'C0ALERTS' } });
    await h.worker?.alerts.runScan();
    await h.command(`renew ${buildOrder().orderId}`);
    await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.args.text).includes('cannot be renewed'),
    );

    const metrics = await get(`${h.metricsBase}/metrics`);

    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain('text/plain');
    for (const line of [
      'certbot_renewals_total{outcome="issued"} 1',
      'certbot_cas_calls_total{action="RenewCertificateOrderForPackageRequest",code="ok"} 1',
      'certbot_cas_calls_total{action="DescribeCertificateState",code="Throttling.User"} 1',
      'certbot_slack_api_errors_total{method="chat.postMessage",error="not_in_channel"} 1',
      'certbot_queue_jobs{queue="renewals",state="waiting"} 0',
      'certbot_queue_oldest_waiting_job_age_seconds{queue="renewals"} 0',
      'certbot_pending_approvals 0',
    ]) {
      expect(metrics.text).toContain(line);
    }
    expect(metrics.text).toMatch(
      /certbot_cas_call_duration_seconds_bucket\{le="0\.05",action="RenewCertificateOrderForPackageRequest"\} \d/,
    );
    expect(metrics.text).toMatch(/certbot_process_resident_memory_bytes \d+/);
    for (const q of ['0.5', '0.9', '0.99', '1'])
      expect(metrics.text).toMatch(
        new RegExp(`certbot_event_loop_delay_seconds\\{quantile="${q}"\\} [0-9.e-]+`),
      );
    expect(metrics.text).not.toContain('certbot_alerts_sent_total{kind="expiring"} 1');
  });

  it('counts alerts posted and approvals pending', async () => {
    const order = buildOrder();
    const expiring = buildOrder({ status: 'ISSUED', certEndTime: Date.now() + 3 * 86_400_000 });
    h = await startAppHarness({
      worker: {},
      seed: { orders: [order, expiring] },
      env: { CERT_ALERT_CHANNEL: 'C0ALERTS' },
    });
    await openCard(h, String(order.orderId));
    await h.worker?.alerts.runScan();

    const metrics = await get(`${h.metricsBase}/metrics`);

    expect(metrics.text).toContain('certbot_alerts_sent_total{kind="expiring"} 1');
    expect(metrics.text).toContain('certbot_pending_approvals 1');
  });
});

describe('/healthz and /readyz', () => {
  it('are 200 while Redis and the queues answer, and 503 once Redis is gone', async () => {
    privateRedis = await startRedisServer();
    h = await startAppHarness({ env: { REDIS_URL: privateRedis.url } });

    const up = [await get(`${h.base}/healthz`), await get(`${h.metricsBase}/readyz`)];
    await privateRedis.stop();
    const down = [await get(`${h.base}/healthz`), await get(`${h.metricsBase}/readyz`)];

    expect(up.map((r) => [r.status, r.text])).toEqual([
      [200, '{"status":"ok"}'],
      [200, '{"status":"ready"}'],
    ]);
    expect(down.map((r) => r.status)).toEqual([503, 503]);
  });
});

describe('the operations listener (METRICS_PORT)', () => {
  it('serves /metrics, /readyz and /healthz; the public Slack port serves only /healthz of them', async () => {
    h = await startAppHarness();

    const ops = [
      await get(`${h.metricsBase}/metrics`),
      await get(`${h.metricsBase}/readyz`),
      await get(`${h.metricsBase}/healthz`),
    ];
    const publicPort = [
      await get(`${h.base}/metrics`),
      await get(`${h.base}/readyz`),
      await get(`${h.base}/healthz`),
    ];
    const events = await get(`${h.metricsBase}/slack/events`);

    expect(h.metricsBase).not.toBe(h.base);
    expect(ops.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(ops[0]?.text).toContain('certbot_renewals_total');
    expect(publicPort.map((r) => r.status)).toEqual([404, 404, 200]);
    expect(events.status).toBe(404);
  });
});
