import { spawn } from 'node:child_process';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import {
  blockActionBody,
  signedSlackHeaders,
  slashCommandBody,
  testBotToken,
} from '../src/dev/slack-payloads.ts';
import { createSlackStandIn } from '../src/slack-standin/server.ts';
import { startCasSim } from '../test/support/cas.ts';
import { botEnv } from './bot-env.ts';
import { deletePrefix, round } from './stats.ts';

const concurrency = 20;

/** How the bot is started: compiled (what `npm start` runs after its build) or through the tsx loader. */
export type StartMode = 'compiled' | 'tsx';

/** Starts the bot (both roles in one process) and resolves once both roles are up. */
export async function startBot(env: Record<string, string>, mode: StartMode = 'compiled') {
  // As `npm start` runs it (after `npm run build`), or the same code through the tsx loader.
  const args =
    mode === 'compiled' ? ['--max-semi-space-size=4', 'dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let port = 0;
  let metricsPort = 0;
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('npm start did not come up')), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      if (port && buffer.includes('"msg":"worker role started"')) {
        clearTimeout(timer);
        buffer = '';
        resolve();
        return;
      }
      const app = /"port":(\d+),"metricsPort":(\d+)[^\n]*"msg":"app role started"/.exec(buffer);
      if (app) {
        port = Number(app[1]);
        metricsPort = Number(app[2]);
      }
      if (buffer.length > 1_000_000) buffer = buffer.slice(-10_000);
    });
  });
  const startupMs = performance.now() - started;
  return {
    port,
    startupMs,
    async rssBytes(): Promise<number> {
      const pool = new Pool(`http://127.0.0.1:${metricsPort}`);
      const res = await pool.request({ path: '/metrics', method: 'GET' });
      const text = await res.body.text();
      await pool.close();
      return Number(/^certbot_process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? Number.NaN);
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Total commands the Redis server has run (`INFO commandstats`). */
async function redisCommands(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let total = 0;
  for (const match of info.matchAll(/calls=(\d+)/g)) total += Number(match[1]);
  return total;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/** Raw BullMQ: `n` no-op jobs through one worker at the same concurrency, jobs per second. */
async function bullmqNoopThroughput(redisUrl: string, n: number): Promise<number> {
  const prefix = `bench-noop-${Date.now()}`;
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('noop', { connection, prefix });
  await queue.addBulk(
    Array.from({ length: n }, (_, i) => ({ name: 'noop', data: { i }, opts: { removeOnComplete: true } })),
  );
  let done = 0;
  let resolveDone: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const started = performance.now();
  const worker = new Worker('noop', async () => undefined, { connection, prefix, concurrency });
  worker.on('completed', () => {
    done += 1;
    if (done === n) resolveDone();
  });
  await finished;
  const perSecond = n / ((performance.now() - started) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return perSecond;
}

/**
 * Whole renewals per second through a real `npm start` (app + worker, one process) against the CAS simulator
 * with zero-delay polling, beside raw BullMQ no-op throughput; and that process's RSS idle, after half and
 * after all renewals.
 */
export async function benchRenewals(
  redisUrl: string,
  n = 1_000,
  variant: { env?: Record<string, string>; seed?: Parameters<typeof startCasSim>[0] } = {},
) {
  const orders = Array.from({ length: n }, (_, i) => ({
    orderId: String(700_000_000 + i),
    domain: `r${i}.example.com`,
    status: 'WILLEXPIRED' as const,
    renewScript: [{ type: 'certificate' as const }],
  }));
  const cas = await startCasSim({
    orders,
    packages: [{ productCode: 'digicert-free-1-free', totalCount: n * 2, usedCount: 0 }],
    qps: {},
    ...variant.seed,
  });
  const slack = createSlackStandIn({ botToken: testBotToken });
  await slack.listen();
  const prefix = `bench-renew-${Date.now()}`;
  const bot = await startBot(
    botEnv(
      { slackApiUrl: slack.apiUrl, casUrl: cas.url, redisUrl, prefix },
      {
        CERT_POLL_MIN_SECONDS: '0',
        CERT_POLL_MAX_SECONDS: '0',
        CERT_WORKER_CONCURRENCY: String(concurrency),
        CERT_CAS_QPS: '100',
        CERT_REQUIRE_DURABLE_REDIS: 'false',
        // The renewal alone (request, application, issuance): no deployment step.
        CERT_DEPLOY: 'off',
        // info: the start-up lines tell the port; the handler keeps draining stdout.
        LOG_LEVEL: 'info',
        ...variant.env,
      },
    ),
  );
  const idleRss = await bot.rssBytes();
  const pool = new Pool(`http://127.0.0.1:${bot.port}`, { connections: concurrency });
  const post = async (body: string) => {
    const res = await pool.request({
      path: '/slack/events',
      method: 'POST',
      headers: signedSlackHeaders(body),
      body,
    });
    await res.body.dump();
  };
  const cards = new Map<string, string>();
  const cardsReady = new Promise<void>((resolve) => {
    const stop = slack.onCall((c) => {
      const id = /order (\d+)/.exec(String(c.args.text))?.[1];
      if (
        c.method === 'chat.postMessage' &&
        c.response.ok &&
        id &&
        String(c.args.text).startsWith('Certificate renewal request')
      ) {
        const approve = (c.args.blocks as Array<{ elements?: Array<{ action_id?: string; value?: string }> }>)
          .flatMap((b) => b.elements ?? [])
          .find((e) => e.action_id === 'cert_approve');
        cards.set(String(c.response.ts), approve?.value ?? '');
        if (cards.size === n) {
          stop();
          resolve();
        }
      }
    });
  });
  await eachLimited(orders, concurrency, (o) =>
    post(slashCommandBody({ text: `renew ${o.orderId}`, response_url: slack.responseUrl('bench') })),
  );
  await cardsReady;

  let issued = 0;
  let halfRss = Number.NaN;
  const allIssued = new Promise<void>((resolve) => {
    slack.onCall((c) => {
      if (
        c.method === 'chat.postMessage' &&
        String(c.args.text).startsWith(':white_check_mark: Renewal issued')
      ) {
        issued += 1;
        if (issued === Math.floor(n / 2)) {
          bot.rssBytes().then((r) => {
            halfRss = r;
          });
        }
        if (issued === n) resolve();
      }
    });
  });
  const admin = new Redis(redisUrl);
  const commandsBefore = await redisCommands(admin);
  const casBefore = cas.sim.calls.length;
  const slackBefore = slack.calls.length;
  const started = performance.now();
  await eachLimited([...cards.entries()], concurrency, ([ts, recordId]) =>
    post(
      blockActionBody({
        actionId: 'cert_approve',
        value: recordId,
        userId: 'U0APPROVER',
        channelId: 'C0CERTS',
        messageTs: ts,
        responseUrl: slack.responseUrl('bench'),
      }),
    ),
  );
  await allIssued;
  const seconds = (performance.now() - started) / 1000;
  // Every Redis command of the whole server during the renewals (this bench is its only client), per renewal.
  const commands = (await redisCommands(admin)) - commandsBefore;
  admin.disconnect();
  const perRenewal = {
    redisCommands: round(commands / n, 1),
    casCalls: round((cas.sim.calls.length - casBefore) / n, 1),
    slackCalls: round((slack.calls.length - slackBefore) / n, 1),
  };
  const afterRss = await bot.rssBytes();
  await pool.close();
  await bot.stop();
  await slack.close();
  await cas.close();
  await deletePrefix(redisUrl, prefix);
  const baseline = await bullmqNoopThroughput(redisUrl, n);
  const perSecond = n / seconds;
  const mb = (b: number) => round(b / 1024 / 1024, 1);
  return {
    name: `whole renewals through npm start (app + worker), ${n}, concurrency ${concurrency}`,
    baseline: { name: 'raw BullMQ no-op jobs', perSecond: round(baseline, 0) },
    subject: { perSecond: round(perSecond, 1), renewalsInCas: cas.sim.renewCount() },
    perRenewal,
    ratio: round(perSecond / baseline, 4),
    rss: {
      idleMb: mb(idleRss),
      afterHalfMb: mb(halfRss),
      afterAllMb: mb(afterRss),
      growthSecondHalfMb: mb(afterRss - halfRss),
    },
  };
}
