import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AppHarness, approverId, openCard, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { type PrivateRedis, startRedisServer } from '../support/redis-server.ts';

// What whole renewals cost, counted (never timed): Redis commands on a Redis of their own (INFO commandstats, which
// counts the commands Lua scripts run too, BullMQ's included), reads of the record, and Slack calls, so that the cost
// cannot grow unnoticed. Issue 19's bounds: at most one read of the record per step (a transition reads its record
// back as part of the change: those are counted apart), at most 12 Slack calls per renewal, and at most 200 Redis
// commands per renewal. This run measures about 177-180 (from 324 before the work, 216 before the due
// schedule replaced the approval's expiry job, 183-188 before moves returned their read-back and the pacer's look
// took one read), so the bound here pins today's cost with a small margin for BullMQ's polling, which varies by a
// few commands from run to run; lower it as the cost comes down.
const maxCommandsPerRenewal = 185;

const renewals = 4;

let h: AppHarness | undefined;
let server: PrivateRedis | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.stop();
  h = undefined;
  await server?.stop();
  server = undefined;
});

async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const stats = new Map<string, number>();
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    stats.set(m[1] ?? '', Number(m[2]));
  return stats;
}

/** Every HGETALL of a renewal record in this process, and whether a transition made it (its read-back). */
function recordReads(prefix: string) {
  const reads: Array<{ byTransition: boolean }> = [];
  const original = Redis.prototype.hgetall;
  vi.spyOn(Redis.prototype, 'hgetall').mockImplementation(function (this: Redis, ...args: unknown[]) {
    const key = String(args[0]);
    if (key.startsWith(`${prefix}:renewal:`))
      reads.push({
        // A move's own read-back (record-moves.ts applies every move, whichever store method called it).
        byTransition: /\.transition \(|record-moves\.ts/.test(new Error().stack ?? ''),
      });
    return (original as (...a: unknown[]) => ReturnType<Redis['hgetall']>).apply(this, args);
  });
  return reads;
}

describe('what a whole renewal costs', () => {
  it(`${renewals} renewals from approval to issued: one record read per step, ≤ ${maxCommandsPerRenewal} Redis commands and ≤ 12 Slack calls each`, async () => {
    server = await startRedisServer();
    const orders = Array.from({ length: renewals }, (_, i) =>
      buildOrder({ domain: `cost${i}.example.com`, renewScript: [{ type: 'certificate' }] }),
    );
    h = await startAppHarness({
      redisUrl: server.url,
      worker: {},
      seed: { orders },
      // As deployed (the default): the harness's 1 s check for stalled jobs would add commands by the second,
      // which a slow machine would count against the renewals.
      env: { CERT_STALLED_INTERVAL_SECONDS: '30' },
    });
    const harness = h;
    const cards = [];
    for (const order of orders) cards.push(await openCard(harness, String(order.orderId)));
    const admin = new Redis(server.url);
    const jobIds = new Set(cards.map((c) => `renew-${c.recordId}`));
    const completed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the renewals did not complete within 30 s')), 30_000);
      harness.worker?.worker.on('completed', (job) => {
        jobIds.delete(String(job.id));
        if (jobIds.size > 0) return;
        clearTimeout(timer);
        resolve();
      });
    });
    const reads = recordReads(harness.prefix);
    const stepsBefore = harness.logs.length;
    const slackBefore = harness.slack.calls.length;
    const before = await commandStats(admin);

    for (const card of cards)
      await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    await completed;

    const after = await commandStats(admin);
    admin.disconnect();
    const commands = [...after].reduce((sum, [name, calls]) => sum + calls - (before.get(name) ?? 0), 0);
    // INFO commandstats itself is the one command of the reading.
    const perRenewal = (commands - 1) / renewals;
    const steps = harness.logs
      .slice(stepsBefore)
      .map((line) => JSON.parse(line) as { msg?: string })
      .filter((e) => e.msg === 'worker step').length;
    const slackCalls = (harness.slack.calls.length - slackBefore) / renewals;
    const summary = {
      perRenewal,
      steps,
      reads: reads.filter((r) => !r.byTransition).length,
      readBacks: reads.filter((r) => r.byTransition).length,
      slackCalls,
    };

    // Every renewal issued, each through its own steps.
    expect(harness.cas.sim.renewCount()).toBe(renewals);
    expect(steps).toBeGreaterThanOrEqual(renewals * 3);
    expect(summary.reads, JSON.stringify(summary)).toBeLessThanOrEqual(steps);
    expect(perRenewal, JSON.stringify(summary)).toBeLessThanOrEqual(maxCommandsPerRenewal);
    expect(slackCalls, JSON.stringify(summary)).toBeLessThanOrEqual(12);
  }, 60_000);
});
