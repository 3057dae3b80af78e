import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { createCasClient } from '../cas/client.ts';
import { casRateLimits, createRedisPacer } from '../cas/pacer.ts';
import type { SimSeed } from '../cas-sim/seed.ts';
import { createCasSimulator } from '../cas-sim/server.ts';
import { loadConfig } from '../config/config.ts';
import { findOrStartRedis } from '../dev/redis-server.ts';
import { signedSlackHeaders } from '../dev/slack-payloads.ts';
import { startTlsEndpoints } from '../dev/tls-endpoints.ts';
import { createLogger } from '../logging.ts';
import { startAppRole } from '../roles/app-role.ts';
import { startWorkerRole } from '../roles/worker-role.ts';
import { createSlackStandIn } from '../slack-standin/server.ts';
import { printConversation } from './format.ts';

// The demo's stage: the real app and worker against the CAS simulator, real local TLS endpoints and the Slack
// stand-in. The stories (renewal-story.ts, rotation-story.ts) bring their own part of the seed and play on it.

const botToken = 'xoxb-demo-bot-token';
const signingSecret = 'demo-signing-secret';
/** The AccessKey the simulator accepts and the bot signs with. */
export const demoKey = { accessKeyId: 'demoAccessKeyId', accessKeySecret: 'demoAccessKeySecret' };

/** What the stage needs besides the stories' seeds. */
export interface StageOptions {
  seed: SimSeed;
  /** Domains served by local TLS endpoints (what the simulator's resources serve for them). */
  tlsDomains: readonly string[];
  alertChannel: string;
  /** The environment, for REDIS_URL (else a Redis of its own is started). */
  env: Record<string, string | undefined>;
}

/** The stories' seeds as one: their lists joined, their other settings (the last story's first) merged. */
export function joinSeeds(...parts: SimSeed[]): SimSeed {
  const joined: Record<string, unknown> = {};
  for (const part of parts)
    for (const [key, value] of Object.entries(part)) {
      const before = joined[key];
      joined[key] = Array.isArray(value) && Array.isArray(before) ? [...before, ...value] : value;
    }
  return joined as SimSeed;
}

/** The bot's settings for the demo, through loadConfig like an operator's. */
function demoConfig(
  env: { slack: string; redis: string; prefix: string; cas: string; tls: string },
  alerts: string,
) {
  return loadConfig({
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: env.slack,
    PORT: '0',
    METRICS_PORT: '0',
    REDIS_URL: env.redis,
    CERT_REDIS_PREFIX: env.prefix,
    CAS_ENDPOINT: env.cas,
    CERT_APPROVERS: 'U0APPROVER',
    CERT_POLL_MIN_SECONDS: '0.3',
    CERT_POLL_MAX_SECONDS: '0.3',
    CERT_RECONCILE_SETTLE_SECONDS: '0.1',
    CERT_ALERT_CHANNEL: alerts,
    CERT_DEPLOY: 'ask',
    CERT_DEPLOY_PRODUCTS: 'CDN,ALB',
    CERT_TLS_RESOLVE: env.tls,
    // A demo against simulators: it runs on any local Redis, AOF or not.
    CERT_REQUIRE_DURABLE_REDIS: 'false',
  });
}

/** The simulators, the endpoints and the bot's two roles, running. */
async function startParts(options: StageOptions) {
  const redisFound = await findOrStartRedis(options.env);
  const prefix = `demo-${randomUUID().slice(0, 8)}`;
  const sim = createCasSimulator({ seed: { accessKeys: [demoKey], ...options.seed } });
  const casUrl = await sim.listen();
  const endpoints = await startTlsEndpoints(() => sim, options.tlsDomains);
  const slack = createSlackStandIn({ botToken });
  await slack.listen();
  const urls = { slack: slack.apiUrl, redis: redisFound.url, prefix, cas: casUrl, tls: endpoints.resolve };
  const config = demoConfig(urls, options.alertChannel);
  // The bot's own logs would drown the conversation: only warnings and errors, on stderr.
  const logger = createLogger({ level: 'warn', destination: process.stderr });
  const pacerRedis = new Redis(redisFound.url);
  const cas = createCasClient({
    endpoint: casUrl,
    credentials: () => demoKey,
    pace: createRedisPacer({ redis: pacerRedis, prefix, limits: casRateLimits }),
  });
  const app = await startAppRole({ config, logger, cas });
  const worker = await startWorkerRole({ config, logger, cas });
  return { redisFound, prefix, sim, endpoints, slack, pacerRedis, app, worker };
}

/** Deletes every key the demo wrote. */
async function forget(url: string, prefix: string): Promise<void> {
  const cleanup = new Redis(url);
  for (let cursor = '0'; ; ) {
    const [next, keys] = await cleanup.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await cleanup.del(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  cleanup.disconnect();
}

/** Starts the stage and prints every message the bot sends, as it happens. */
export async function startStage(options: StageOptions) {
  const parts = await startParts(options);
  const stopPrinting = printConversation(parts.slack);
  const base = `http://127.0.0.1:${parts.app.port}`;
  return {
    sim: parts.sim,
    slack: parts.slack,
    worker: parts.worker,
    /** Sends a signed Slack request (a command or a click) to the app. */
    async post(body: string): Promise<void> {
      const res = await request(`${base}/slack/events`, {
        method: 'POST',
        headers: signedSlackHeaders(body, undefined, signingSecret),
        body,
      });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`the app answered HTTP ${res.statusCode}`);
    },
    async stop(): Promise<void> {
      stopPrinting();
      await parts.worker.stop();
      await parts.app.stop();
      await forget(parts.redisFound.url, parts.prefix);
      parts.pacerRedis.disconnect();
      await parts.slack.close();
      await parts.endpoints.close();
      await parts.sim.close();
      await parts.redisFound.stop?.();
    },
  };
}

/** A running stage. */
export type Stage = Awaited<ReturnType<typeof startStage>>;
