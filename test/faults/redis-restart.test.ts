import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppHarness, approverId, channelId, openCard, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { type PrivateRedis, startRedisServer } from '../support/redis-server.ts';

let h: AppHarness | undefined;
let redis: PrivateRedis | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.stop();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  h = undefined;
  redis = undefined;
});

describe('Redis restarted in the middle of renewals (AOF on)', () => {
  it('loses no renewal and duplicates none', async () => {
    dir = mkdtempSync(join(tmpdir(), 'certbot-aof-'));
    redis = await startRedisServer({ appendOnly: true, dir });
    const port = Number(new URL(redis.url).port);
    const orders = Array.from({ length: 10 }, () =>
      buildOrder({
        renewScript: [
          { type: 'payed', polls: 3 },
          { type: 'domain_verify', polls: 3 },
          { type: 'certificate' },
        ],
      }),
    );
    h = await startAppHarness({
      seed: { orders, packages: [{ productCode: 'digicert-dv-1-plan', totalCount: 100, usedCount: 0 }] },
      // The last approvals' work after their ack (the enqueue, the thread delivery) may meet the outage; the sweeper
      // enqueues and delivers what it finds without a job or with an undelivered outbox, as in production, but
      // every second here instead of every five minutes.
      env: { REDIS_URL: redis.url, CERT_SWEEP_INTERVAL_SECONDS: '1' },
      worker: { pollMinMs: 100, pollMaxMs: 100 },
    });
    const cards = [];
    for (const order of orders) cards.push(await openCard(h, String(order.orderId)));
    for (const card of cards)
      await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    await h.slack.waitForCall((c) => String(c.args.text).includes('CAS accepted the renewal'), 15_000);

    const statesAtRestart = await Promise.all(
      cards.map((c) => h?.app.redis.hget(`${h.prefix}:renewal:${c.recordId}`, 'state')),
    );
    await redis.stop();
    redis = await startRedisServer({ appendOnly: true, dir, port });
    const endings = await Promise.all(
      cards.map((card) =>
        h?.slack.waitForCall(
          (c) =>
            c.args.thread_ts === card.ts &&
            /Renewal issued|Renewal failed|Needs attention/.test(String(c.args.text)),
          60_000,
        ),
      ),
    );

    expect(endings.map((e) => String(e?.args.text).split(':')[1])).toEqual(
      cards.map(() => 'white_check_mark'),
    );
    expect(statesAtRestart.filter((state) => state !== 'issued').length).toBeGreaterThan(5);
    expect(h.cas.sim.renewCount()).toBe(10);
    const renewCalls = h.cas.sim.calls.filter(
      (c) => c.action === 'RenewCertificateOrderForPackageRequest' && c.outcome === undefined,
    );
    expect(new Set(renewCalls.map((c) => c.params.OrderId)).size).toBe(10);
    for (const card of cards) {
      expect(
        h.slack.thread(channelId, card.ts).filter((m) => m.text.includes('Renewal issued')),
      ).toHaveLength(1);
    }
  }, 90_000);
});
