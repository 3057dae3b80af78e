import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { HeldRequest } from '../../src/cas-sim/faults.ts';
import { type AppHarness, approverId, openCard, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { type PrivateRedis, startRedisServer } from '../support/redis-server.ts';

let h: AppHarness | undefined;
let redis: PrivateRedis | undefined;
let admin: Redis | undefined;
afterEach(async () => {
  // A failed test may leave writes refused; the harness needs them to clean up.
  await admin?.config('SET', 'min-replicas-to-write', '0');
  admin?.disconnect();
  await h?.stop();
  await redis?.stop();
  h = undefined;
  redis = undefined;
  admin = undefined;
});

describe('a result CAS gave is kept', () => {
  it('Redis refuses writes when the renew answer arrives: the new order is recorded once it accepts them, not guessed', async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    const order = buildOrder({ renewScript: [{ type: 'certificate' }] });
    h = await startAppHarness({ worker: {}, seed: { orders: [order] }, env: { REDIS_URL: redis.url } });
    const harness = h;
    // CAS renews, and its answer is held back until Redis refuses writes.
    harness.cas.sim.faults.add({
      action: 'RenewCertificateOrderForPackageRequest',
      fault: { kind: 'hold', afterActing: true },
    });
    const held = new Promise<HeldRequest>((resolve) => harness.cas.sim.events.once('held', resolve));
    const card = await openCard(harness, String(order.orderId));

    await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    const request = await held;
    // With no replica, `min-replicas-to-write 1` makes Redis answer every write NOREPLICAS (a failover, a
    // read-only replica promoted late): the worker's write of the result fails at once.
    await admin.config('SET', 'min-replicas-to-write', '1');
    request.release('answer');
    await harness.waitForLog(
      (e) =>
        /could not record the renewal result|renewal worker error|renewal job failed/.test(String(e.msg)),
      10_000,
    );
    await admin.config('SET', 'min-replicas-to-write', '0');
    // A delivery that Redis cut short (its lock release refused too) holds the outbox until the lock's 30 s TTL.
    await harness.slack.waitForCall(
      (c) => c.args.thread_ts === card.ts && /Renewal issued/.test(String(c.args.text)),
      60_000,
    );

    const audit = (await harness.app.redis.lrange(`${harness.prefix}:audit:${card.recordId}`, 0, -1)).map(
      (e) => (JSON.parse(e) as { action: string }).action,
    );
    expect(audit).toContain('submitted');
    expect(audit).not.toContain('outcome_unknown');
    expect(audit).not.toContain('reconciled');
    expect(harness.cas.sim.renewCount()).toBe(1);
  }, 90_000);
});
