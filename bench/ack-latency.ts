import { Pool } from 'undici';
import { createSlackStandIn } from '../src/slack-standin/server.ts';
import { startCasSim } from '../test/support/cas.ts';
import { slashCommandBody, testBotToken } from '../test/support/slack-payloads.ts';
import { botEnv } from './bot-env.ts';
import { postSigned } from './slack-post.ts';
import { spawnSubject } from './spawn-subject.ts';
import { deletePrefix, median, percentile, round } from './stats.ts';

/** Fires `concurrency` signed `/cert` commands at once, `rounds` times; returns each request's latency (ms). */
async function fire(
  baseUrl: string,
  texts: () => string,
  responseUrl: string,
  concurrency: number,
  rounds: number,
): Promise<number[]> {
  const pool = new Pool(baseUrl, { connections: concurrency, pipelining: 1 });
  const latencies: number[] = [];
  for (let round = 0; round < rounds; round++) {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        const body = slashCommandBody({ text: texts(), response_url: responseUrl });
        const started = performance.now();
        const status = await postSigned(pool, body);
        latencies.push(performance.now() - started);
        if (status !== 200) throw new Error(`HTTP ${status}`);
      }),
    );
  }
  await pool.close();
  return latencies;
}

/** Counts the approval cards the Slack stand-in has taken; `reach(n)` waits (bounded) until n were posted. */
function cardCounter(slack: ReturnType<typeof createSlackStandIn>) {
  let posted = 0;
  let waiter: { count: number; resolve: () => void } | undefined;
  const stop = slack.onCall((c) => {
    if (c.method !== 'chat.postMessage' || c.response.ok !== true) return;
    if (!String(c.args.text).startsWith('Certificate renewal request')) return;
    posted += 1;
    if (waiter && posted >= waiter.count) waiter.resolve();
  });
  return {
    stop,
    async reach(count: number, timeoutMs = 120_000): Promise<void> {
      if (posted >= count) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          waiter = { count, resolve };
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`only ${posted} of ${count} cards posted in ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      waiter = undefined;
    },
  };
}

/** The app's event-loop delay since its previous scrape (certbot_event_loop_delay_seconds), in ms. */
async function loopDelay(metricsUrl: string | undefined): Promise<{ p99: number; max: number } | undefined> {
  if (metricsUrl === undefined) return undefined;
  const text = await (await fetch(metricsUrl)).text();
  const read = (q: string) =>
    Number(
      new RegExp(`^certbot_event_loop_delay_seconds\\{quantile="${q}"\\} (\\S+)$`, 'm').exec(text)?.[1],
    ) * 1000;
  return { p99: round(read('0.99')), max: round(read('1')) };
}

/** `/cert renew` ack latency of the real app vs a bare Bolt app that only acks, same load, same run. */
export async function benchAckLatency(
  redisUrl: string,
  options = { concurrency: 200, rounds: 5, warmup: 1 },
) {
  // Both subjects get commands; each command names an order of its own (a repeated one gets no new card).
  const total = 2 * options.concurrency * (options.rounds + options.warmup);
  const orders = Array.from({ length: total }, (_, i) => ({
    orderId: String(500_000_000 + i),
    domain: `b${i}.example.com`,
    status: 'WILLEXPIRED' as const,
  }));
  const cas = await startCasSim({ orders, qps: {} });
  const slack = createSlackStandIn({ botToken: testBotToken });
  await slack.listen();
  const prefix = `bench-${Date.now()}`;

  const env = botEnv({ slackApiUrl: slack.apiUrl, casUrl: cas.url, redisUrl, prefix });
  // Each subject runs alone in its own process; the load, the CAS simulator and the Slack stand-in stay here.
  const bare = await spawnSubject('bare', env);
  const app = await spawnSubject('app', env);
  const bareUrl = bare.url;
  const appUrl = app.url;

  // A round is a burst arriving at an idle app: the next starts once the app has posted the cards of the last
  // (the bare app has nothing to finish). Back to back, a round measured the previous round's 200 card posts too.
  const cards = cardCounter(slack);
  let cardsExpected = 0;
  let next = 0;
  const renewText = () => `renew ${orders[next++ % orders.length]?.orderId}`;
  const responseUrl = slack.responseUrl('bench');
  // Alternate warm-up, then measure each side with the same load shape.
  await fire(bareUrl, renewText, responseUrl, options.concurrency, options.warmup);
  await fire(appUrl, renewText, responseUrl, options.concurrency, options.warmup);
  cardsExpected += options.concurrency * options.warmup;
  await cards.reach(cardsExpected);
  // Each round fires at both subjects at once, so that its ratio compares them at the same moment of the machine
  // (one after the other, the p99 ratio of the same code swung from 0.8 to 2.1 between rounds on 2 shared cores).
  const bareLatencies: number[] = [];
  const appLatencies: number[] = [];
  const roundRatios: number[] = [];
  const appLoopDelays: Array<{ p99: number; max: number } | undefined> = [];
  const roundP99s: Array<{ bare: number; app: number }> = [];
  for (let r = 0; r < options.rounds; r++) {
    await loopDelay(app.metricsUrl);
    const [bareRound, appRound] = await Promise.all([
      fire(bareUrl, renewText, responseUrl, options.concurrency, 1),
      fire(appUrl, renewText, responseUrl, options.concurrency, 1),
    ]);
    appLoopDelays.push(await loopDelay(app.metricsUrl));
    cardsExpected += options.concurrency;
    await cards.reach(cardsExpected);
    bareLatencies.push(...bareRound);
    appLatencies.push(...appRound);
    roundRatios.push(percentile(appRound, 99) / percentile(bareRound, 99));
    roundP99s.push({ bare: round(percentile(bareRound, 99)), app: round(percentile(appRound, 99)) });
  }

  cards.stop();
  await app.stop();
  await bare.stop();
  await slack.close();
  await cas.close();
  await deletePrefix(redisUrl, prefix);

  const summary = (l: number[]) => ({
    p50: round(percentile(l, 50)),
    p99: round(percentile(l, 99)),
    samples: l.length,
  });
  const bareStats = summary(bareLatencies);
  const appStats = summary(appLatencies);
  return {
    name: '/cert renew ack latency',
    concurrency: options.concurrency,
    baseline: { name: 'bare Bolt app (ack only)', ...bareStats },
    subject: { name: 'certbot app role', ...appStats },
    ratio: { p50: round(appStats.p50 / bareStats.p50), p99: round(appStats.p99 / bareStats.p99) },
    /** The p99 ratio of each round: its median and the worst (the target holds in every round). */
    rounds: {
      p99Ratios: roundRatios.map((r) => round(r)),
      p99s: roundP99s,
      median: round(median(roundRatios)),
      worst: round(Math.max(...roundRatios)),
      /** The app's event-loop delay during each of its rounds (ms, 10-ms resolution). */
      appEventLoopDelay: appLoopDelays,
    },
    target: 'p99 ratio ≤ 1.5 and p99 < 100 ms',
  };
}
