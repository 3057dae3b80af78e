import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { HeldRequest } from '../../src/cas-sim/faults.ts';
import { createLogger } from '../../src/logging.ts';
import { startWorkerRole } from '../../src/roles/worker-role.ts';
import { probeDurability } from '../../src/worker/durable-redis.ts';
import { type AppHarness, approverId, openCard, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { type PrivateRedis, startRedisServer } from '../support/redis-server.ts';

let h: AppHarness | undefined;
const servers: PrivateRedis[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await h?.stop();
  h = undefined;
  for (const server of servers.splice(0)) await server.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function redisWith(options: Parameters<typeof startRedisServer>[0]) {
  const server = await startRedisServer(options);
  servers.push(server);
  return server;
}

/** Resolves with the next request the simulator holds (a `hold` fault), when it arrives. */
function nextHeld(harness: AppHarness): Promise<{ held: HeldRequest; at: number }> {
  return new Promise((resolve) =>
    harness.cas.sim.events.once('held', (held: HeldRequest) => resolve({ held, at: Date.now() })),
  );
}

describe('what Redis offers for the claim before the paid call', () => {
  it.each([
    [{ appendOnly: false }, 'none'],
    [{ appendOnly: true, appendFsync: 'no' as const }, 'none'],
    [{ appendOnly: true, appendFsync: 'everysec' as const }, 'everysec'],
    [{ appendOnly: true, appendFsync: 'always' as const }, 'always'],
  ])('%j → %s (Redis 7.0 has no WAITAOF)', async (options, kind) => {
    const server = await redisWith(options);
    const redis = new Redis(server.url);

    const durability = await probeDurability(redis);

    redis.disconnect();
    expect(durability.kind).toBe(kind);
  });

  it('a worker refuses to start on Redis with AOF off, naming the setting and the way out; with the opt-out it warns', async () => {
    const server = await redisWith({ appendOnly: false });
    h = await startAppHarness({ env: { REDIS_URL: server.url, CERT_REQUIRE_DURABLE_REDIS: 'true' } });
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (l: string) => lines.push(l) } });

    const refused = startWorkerRole({ config: h.config, logger, cas: h.cas.client() });
    await expect(refused).rejects.toMatchObject({
      code: 'REDIS_NOT_DURABLE',
      message: expect.stringMatching(
        /AOF is off \(appendonly no\).*appendonly yes.*CERT_REQUIRE_DURABLE_REDIS=false/,
      ),
    });
    const allowed = await startWorkerRole({
      config: { ...h.config, redis: { ...h.config.redis, requireDurable: false } },
      logger,
      cas: h.cas.client(),
    });
    await allowed.stop();

    expect(lines.map((l) => JSON.parse(l) as { level: number; msg: string })).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: expect.stringContaining('cannot make the claim before the paid'),
      }),
    );
  });
});

describe('appendfsync everysec (Redis 7.0)', () => {
  it('the renew call leaves only after the fsync interval has passed since the claim', async () => {
    const server = await redisWith({ appendOnly: true, appendFsync: 'everysec' });
    const order = buildOrder({ renewScript: [{ type: 'certificate' }] });
    h = await startAppHarness({
      worker: {},
      seed: { orders: [order] },
      env: { REDIS_URL: server.url, CERT_REQUIRE_DURABLE_REDIS: 'true' },
      durability: { everysecWaitMs: 1_200 },
    });
    const harness = h;
    harness.cas.sim.faults.add({ action: 'RenewCertificateOrderForPackageRequest', fault: { kind: 'hold' } });
    const card = await openCard(harness, String(order.orderId));
    const held = nextHeld(harness);

    await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    const { held: request, at } = await held;
    const submittingAt = Number(
      await harness.app.redis.hget(`${harness.prefix}:renewal:${card.recordId}`, 'submittingAt'),
    );
    request.release('answer');

    expect(at - submittingAt).toBeGreaterThanOrEqual(1_200);
  });

  it('Redis SIGKILLed the moment CAS receives Renew, restarted from its AOF: exactly one renewal, ends issued', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'certbot-everysec-'));
    dirs.push(dir);
    let server = await startRedisServer({ appendOnly: true, appendFsync: 'everysec', dir });
    const port = Number(new URL(server.url).port);
    const orders = Array.from({ length: 3 }, () => buildOrder({ renewScript: [{ type: 'certificate' }] }));
    h = await startAppHarness({
      worker: {},
      seed: { orders },
      env: { REDIS_URL: server.url, CERT_REQUIRE_DURABLE_REDIS: 'true' },
      durability: { everysecWaitMs: 1_100 },
    });
    const harness = h;
    const cards = [];
    for (const order of orders) cards.push(await openCard(harness, String(order.orderId)));
    harness.cas.sim.faults.add({ action: 'RenewCertificateOrderForPackageRequest', fault: { kind: 'hold' } });
    const held = nextHeld(harness);

    for (const card of cards)
      await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    const { held: request } = await held;
    await server.stop();
    server = await startRedisServer({ appendOnly: true, appendFsync: 'everysec', dir, port });
    servers.push(server);
    request.release('answer');
    const endings = await Promise.all(
      cards.map((card) =>
        harness.slack.waitForCall(
          (c) =>
            c.args.thread_ts === card.ts &&
            /Renewal issued|Renewal failed|Needs attention/.test(String(c.args.text)),
          60_000,
        ),
      ),
    );

    expect(endings.map((e) => String(e.args.text).split(':')[1])).toEqual(
      cards.map(() => 'white_check_mark'),
    );
    expect(harness.cas.sim.renewCount()).toBe(3);
    for (const order of orders) {
      expect(
        [...harness.cas.sim.store.orders.values()].filter((o) => o.renewedFrom === String(order.orderId)),
      ).toHaveLength(1);
    }
  }, 90_000);
});
