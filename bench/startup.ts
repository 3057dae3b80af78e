import { testBotToken } from '../src/dev/slack-payloads.ts';
import { createSlackStandIn } from '../src/slack-standin/server.ts';
import { startCasSim } from '../test/support/cas.ts';
import { botEnv } from './bot-env.ts';
import { type StartMode, startBot } from './renewals.ts';
import { deletePrefix, median, round } from './stats.ts';

/**
 * `npm start` compiled (dist/, plain node) beside the same code through the tsx loader: time until both roles
 * are up, and resident memory once idle. Each mode is started `runs` times, alternating.
 */
export async function benchStartup(redisUrl: string, runs = 3) {
  const cas = await startCasSim();
  const slack = createSlackStandIn({ botToken: testBotToken });
  await slack.listen();
  const samples: Record<StartMode, { startupMs: number[]; rssMb: number[] }> = {
    tsx: { startupMs: [], rssMb: [] },
    compiled: { startupMs: [], rssMb: [] },
  };
  for (let i = 0; i < runs; i++) {
    for (const mode of ['tsx', 'compiled'] as const) {
      const prefix = `bench-start-${Date.now()}`;
      const bot = await startBot(
        botEnv(
          { slackApiUrl: slack.apiUrl, casUrl: cas.url, redisUrl, prefix },
          {
            CERT_REQUIRE_DURABLE_REDIS: 'false',
            LOG_LEVEL: 'info',
          },
        ),
        mode,
      );
      // Idle: let start-up garbage be collected before reading RSS.
      await new Promise((r) => setTimeout(r, 3_000));
      samples[mode].startupMs.push(bot.startupMs);
      samples[mode].rssMb.push((await bot.rssBytes()) / 1024 / 1024);
      await bot.stop();
      await deletePrefix(redisUrl, prefix);
    }
  }
  await slack.close();
  await cas.close();
  const summary = (mode: StartMode) => ({
    startupMs: round(median(samples[mode].startupMs), 0),
    idleRssMb: round(median(samples[mode].rssMb), 1),
    idleRssMaxMb: round(Math.max(...samples[mode].rssMb), 1),
  });
  const tsx = summary('tsx');
  const compiled = summary('compiled');
  return {
    name: 'npm start: compiled vs through the tsx loader',
    runs,
    tsx,
    compiled,
    ratio: {
      startup: round(compiled.startupMs / tsx.startupMs, 2),
      rss: round(compiled.idleRssMb / tsx.idleRssMb, 2),
    },
  };
}
