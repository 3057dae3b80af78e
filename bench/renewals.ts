import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { blockActionBody, slashCommandBody, testBotToken } from '../src/dev/slack-payloads.ts';
import { createSlackStandIn } from '../src/slack-standin/server.ts';
import { startCasSim } from '../test/support/cas.ts';
import { botEnv } from './bot-env.ts';
import { postSigned } from './slack-post.ts';
import { deletePrefix, round } from './stats.ts';

const concurrency = 20;

/** The Node flags `npm start` runs with (package.json's start script): the subjects run as production does. */
export function productionNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(' ').filter((word) => word.startsWith('--'));
}

/** How the bot is started: compiled (what `npm start` runs after its build) or through the tsx loader. */
export type StartMode = 'compiled' | 'tsx';

/** Starts the bot (both roles in one process) and resolves once both roles are up. */
export async function startBot(env: Record<string, string>, mode: StartMode = 'compiled') {
  // As `npm start` runs it (after `npm run build`), or the same code through the tsx loader.
  // BENCH_NODE_ARGS: extra flags for investigation, e.g. `--heapsnapshot-signal=SIGUSR2`.
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const args =
    mode === 'compiled'
      ? [...productionNodeFlags(), ...extra, 'dist/main.js']
      : [...extra, '--import', 'tsx', 'src/main.ts'];
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
      return (await this.memory()).rss;
    },
    /** RSS and the V8 heap in use, from the process's own `/metrics`. */
    async memory(): Promise<{ rss: number; heapUsed: number; external: number }> {
      const pool = new Pool(`http://127.0.0.1:${metricsPort}`);
      const res = await pool.request({ path: '/metrics', method: 'GET' });
      const text = await res.body.text();
      await pool.close();
      const read = (name: string) =>
        Number(new RegExp(`^certbot_${name} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
      return {
        rss: read('process_resident_memory_bytes'),
        heapUsed: read('nodejs_heap_size_used_bytes'),
        external: read('nodejs_external_memory_bytes'),
      };
    },
    signal(name: NodeJS.Signals) {
      child.kill(name);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Commands the Redis server has run (`INFO commandstats`), by command. */
async function redisCommandStats(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const stats = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    stats.set(match[1] ?? '', Number(match[2]));
  return stats;
}

/** Per renewal, the commands that grew between two readings, most first. */
function commandsPerRenewal(before: Map<string, number>, after: Map<string, number>, n: number) {
  const grown = [...after].map(([name, calls]) => [name, (calls - (before.get(name) ?? 0)) / n] as const);
  const total = grown.reduce((sum, [, c]) => sum + c, 0);
  const top = grown
    .filter(([, c]) => c > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, c]) => `${name} ${round(c, 1)}`);
  return { total, top };
}

/** How often each name occurs per renewal, most first. */
function countsPerRenewal(names: readonly string[], n: number): string {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([name, c]) => `${name} ${round(c / n, 1)}`)
    .join(', ');
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
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
  variant: {
    env?: Record<string, string>;
    seed?: Parameters<typeof startCasSim>[0];
    /** Read the bot's memory after every quarter of the renewals, and ask for a heap snapshot at the end. */
    memoryTrace?: boolean;
    /** How the bot starts. @defaultValue compiled */
    mode?: StartMode;
    /** Called just before the first approval and once every renewal is issued (e.g. to trace Redis commands). */
    measure?: { start(): Promise<void>; stop(): Promise<void> };
  } = {},
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
    variant.mode,
  );
  const idleRss = await bot.rssBytes();
  const pool = new Pool(`http://127.0.0.1:${bot.port}`, { connections: concurrency });
  const post = (body: string) => postSigned(pool, body);
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
  const mbOf = (m: { rss: number; heapUsed: number; external: number }) => ({
    rssMb: round(m.rss / 1024 / 1024, 1),
    heapUsedMb: round(m.heapUsed / 1024 / 1024, 1),
    externalMb: round(m.external / 1024 / 1024, 1),
  });
  const memoryTrace: Array<{ issued: number } & ReturnType<typeof mbOf>> = [];
  if (variant.memoryTrace) memoryTrace.push({ issued: 0, ...mbOf(await bot.memory()) });
  const allIssued = new Promise<void>((resolve) => {
    slack.onCall((c) => {
      if (
        c.method === 'chat.postMessage' &&
        String(c.args.text).startsWith(':white_check_mark: Renewal issued')
      ) {
        issued += 1;
        if (variant.memoryTrace && issued % Math.floor(n / 4) === 0) {
          const at = issued;
          bot.memory().then((m) => memoryTrace.push({ issued: at, ...mbOf(m) }));
        }
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
  await variant.measure?.start();
  const commandsBefore = await redisCommandStats(admin);
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
  await variant.measure?.stop();
  // Every Redis command of the whole server during the renewals (this bench is its only client), per renewal.
  const commands = commandsPerRenewal(commandsBefore, await redisCommandStats(admin), n);
  admin.disconnect();
  const perRenewal = {
    redisCommands: round(commands.total, 1),
    /** The commands that make most of them. */
    redisTop: commands.top.join(', '),
    casCalls: round((cas.sim.calls.length - casBefore) / n, 1),
    /** ListUserCertificateOrder calls per renewal: CAS allows 10 a second per account, which bounds renewals/s. */
    orderListings: round(
      cas.sim.calls.slice(casBefore).filter((c) => c.action === 'ListUserCertificateOrder').length / n,
      2,
    ),
    slackCalls: round((slack.calls.length - slackBefore) / n, 1),
    casTop: countsPerRenewal(
      cas.sim.calls.slice(casBefore).map((c) => c.action),
      n,
    ),
    slackTop: countsPerRenewal(
      slack.calls.slice(slackBefore).map((c) => c.method),
      n,
    ),
  };
  const afterRss = await bot.rssBytes();
  if (variant.memoryTrace) {
    // Idle for 10 s after the last renewal: what stays.
    await new Promise((r) => setTimeout(r, 10_000));
    memoryTrace.push({ issued: -1, ...mbOf(await bot.memory()) });
    // SIGUSR2 ends a process that did not ask for snapshots on it.
    if (process.env.BENCH_NODE_ARGS?.includes('--heapsnapshot-signal=SIGUSR2')) {
      bot.signal('SIGUSR2');
      await new Promise((r) => setTimeout(r, 5_000));
    }
  }
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
    memoryTrace,
  };
}
