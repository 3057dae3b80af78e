import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppHarness,
  approverId,
  channelId,
  childRoleEnv,
  openCard,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { blockActionBody, signedSlackHeaders } from '../support/slack-payloads.ts';
import { spawnRole, type WorkerProcess } from '../support/worker-process.ts';

// A small seeded generator, so that a failing schedule of kills can be replayed with CHAOS_SEED.
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let h: AppHarness | undefined;
const processes: WorkerProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) await p.kill();
  await h?.stop();
  h = undefined;
});

async function post(port: number, body: string): Promise<number> {
  const res = await request(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    headers: signedSlackHeaders(body),
    body,
  });
  await res.body.dump();
  return res.statusCode;
}

describe('chaos', () => {
  it('50 concurrent renewals while app and worker processes are SIGKILLed at random: issued means exactly one renewal, needs attention means none', async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
    const random = mulberry32(seed);
    const orders = Array.from({ length: 50 }, () =>
      buildOrder({ renewScript: [{ type: 'payed' }, { type: 'domain_verify' }, { type: 'certificate' }] }),
    );
    h = await startAppHarness({
      seed: {
        orders,
        packages: [{ productCode: 'digicert-dv-1-plan', totalCount: 100, usedCount: 0 }],
        qps: {},
      },
    });
    const harness = h;
    // Slow renew calls widen the window in which a kill lands mid-call.
    harness.cas.sim.faults.add({
      action: 'RenewCertificateOrderForPackageRequest',
      fault: { kind: 'slow', delayMs: 300 },
      times: 50,
    });
    const cards: Array<Awaited<ReturnType<typeof openCard>>> = [];
    for (const order of orders) cards.push(await openCard(harness, String(order.orderId)));
    const env = childRoleEnv(harness, {
      CERT_POLL_MIN_SECONDS: '0.05',
      CERT_POLL_MAX_SECONDS: '0.05',
      CERT_SWEEP_INTERVAL_SECONDS: '1',
      CERT_CAS_QPS: '50',
    });
    const apps = [await spawnRole('app', env), await spawnRole('app', env)];
    const workers = [await spawnRole('worker', env), await spawnRole('worker', env)];
    const live = () => [...apps, ...workers];

    // Clicks go to a random live app; a click lost with a dying app is sent again, as a person would.
    const click = async (card: (typeof cards)[number]) => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const app = apps[Math.floor(random() * apps.length)] as WorkerProcess;
        const body = blockActionBody({
          actionId: 'cert_approve',
          value: card.value,
          userId: approverId,
          channelId,
          messageTs: card.ts,
          responseUrl: harness.slack.responseUrl(),
        });
        const status = await post(app.port, body).catch(() => 0);
        if (status === 200) return;
      }
      throw new Error('no app took the click');
    };
    let kills = 0;
    const chaos = (async () => {
      for (; kills < 8; kills++) {
        await delay(200 + random() * 500);
        const pool = random() < 0.5 ? apps : workers;
        const i = Math.floor(random() * pool.length);
        await pool[i]?.kill();
        pool[i] = await spawnRole(pool === apps ? 'app' : 'worker', env);
      }
    })();
    await Promise.all(cards.map((card) => click(card)));
    await chaos;
    for (const card of cards) {
      if (
        (await harness.app.redis.hget(`${harness.prefix}:renewal:${card.recordId}`, 'state')) === 'requested'
      )
        await click(card);
    }
    processes.push(...live());
    const ended = await Promise.all(
      cards.map((card) =>
        harness.slack
          .waitForCall(
            (c) =>
              c.args.thread_ts === card.ts &&
              /Renewal issued|Renewal failed|Needs attention/.test(String(c.args.text)),
            240_000,
          )
          .then(
            () => true,
            () => false,
          ),
      ),
    );
    // On failure, say where each unfinished request stands (record state and renewal-job state), with the seed.
    const { Queue } = await import('bullmq');
    const queue = new Queue('renewals', { connection: harness.app.redis, prefix: harness.prefix });
    const unfinished = [];
    for (const [i, card] of cards.entries()) {
      if (ended[i]) continue;
      const job = await queue.getJob(`renew-${card.recordId}`);
      unfinished.push({
        record: await harness.app.redis.hget(`${harness.prefix}:renewal:${card.recordId}`, 'state'),
        job: job ? await job.getState() : 'missing',
        outbox: await harness.app.redis.llen(`${harness.prefix}:outbox:${card.recordId}`),
      });
    }
    await queue.close();
    expect(unfinished, `seed ${seed}`).toEqual([]);

    const outcomes = [];
    for (const [i, card] of cards.entries()) {
      const state = await harness.app.redis.hget(`${harness.prefix}:renewal:${card.recordId}`, 'state');
      const renewals = [...harness.cas.sim.store.orders.values()].filter(
        (o) => o.renewedFrom === String(orders[i]?.orderId),
      ).length;
      outcomes.push({ state, renewals });
    }
    const tally: Record<string, number> = {};
    for (const o of outcomes)
      tally[`${o.state}/${o.renewals}`] = (tally[`${o.state}/${o.renewals}`] ?? 0) + 1;
    const summary = `seed ${seed}, ${kills} kills: ${JSON.stringify(tally)}`;
    expect(
      outcomes.every(
        (o) =>
          (o.state === 'issued' && o.renewals === 1) || (o.state === 'needs_attention' && o.renewals === 0),
      ),
      summary,
    ).toBe(true);
    expect(kills).toBe(8);
    expect(harness.cas.sim.renewCount()).toBeLessThanOrEqual(50);
  }, 300_000);
});
