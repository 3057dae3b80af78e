import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { createAccountCasFromConfig, loadAccounts } from '../accounts/from-config.ts';
import { casRateLimits, createRedisPacer } from '../cas/pacer.ts';
import { createAccountsSimulator } from '../cas-sim/accounts-sim.ts';
import { loadConfig } from '../config/config.ts';
import { findOrStartRedis } from '../dev/redis-server.ts';
import { signedSlackHeaders } from '../dev/slack-payloads.ts';
import { startTlsEndpoints } from '../dev/tls-endpoints.ts';
import { createLogger } from '../logging.ts';
import { startAppRole } from '../roles/app-role.ts';
import { startWorkerRole } from '../roles/worker-role.ts';
import { createSlackStandIn } from '../slack-standin/server.ts';
import { accountsSimSeed, accountsYaml, type DemoAccount, writeAccountsFile } from './demo-accounts.ts';
import { printConversation } from './format.ts';

// The demo's stage: the real app and worker against the CAS simulator of several accounts (and its STS), real local
// TLS endpoints and the Slack stand-in. The bot reads the accounts file like an operator's (`CERT_ACCOUNTS`): each
// team's account is reached through its role, and each story plays in the channel of its account.

const botToken = 'xoxb-demo-bot-token';
const signingSecret = 'demo-signing-secret';
/** The AccessKey of the bot's RAM user in its own account: it signs the AssumeRole of every team's role. */
export const demoKey = { accessKeyId: 'demoAccessKeyId', accessKeySecret: 'demoAccessKeySecret' };

/** What the stage is made of. */
export interface StageOptions {
  /** The teams' accounts, each with its channel, its part of the seed and its TLS endpoints. */
  accounts: readonly DemoAccount[];
  /** The environment, for REDIS_URL (else a Redis of its own is started). */
  env: Record<string, string | undefined>;
}

/** The bot's settings for the demo, through loadConfig like an operator's. */
function demoConfig(env: {
  slack: string;
  redis: string;
  prefix: string;
  cas: string;
  tls: string;
  accounts: string;
}) {
  return loadConfig({
    ALIBABA_CLOUD_ACCESS_KEY_ID: demoKey.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: demoKey.accessKeySecret,
    CERT_ACCOUNTS: env.accounts,
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
    CERT_DEPLOY: 'ask',
    CERT_DEPLOY_PRODUCTS: 'CDN,ALB',
    CERT_TLS_RESOLVE: env.tls,
    // A demo against simulators: it runs on any local Redis, AOF or not.
    CERT_REQUIRE_DURABLE_REDIS: 'false',
  });
}

/** The simulators, the endpoints and the accounts file, running and written. */
async function startSimulators(accounts: readonly DemoAccount[]) {
  const sim = createAccountsSimulator({ seed: accountsSimSeed(accounts, demoKey) });
  const simUrl = await sim.listen();
  // Each account's endpoints serve what that account's resources serve.
  const endpoints = await Promise.all(
    accounts.map((a) => startTlsEndpoints(() => sim.account(a.name), a.tlsDomains)),
  );
  const accountsFile = await writeAccountsFile(accountsYaml(accounts, simUrl));
  const slack = createSlackStandIn({ botToken });
  await slack.listen();
  return { sim, simUrl, endpoints, accountsFile, slack };
}

/** The simulators, the endpoints and the bot's two roles, running. */
async function startParts(options: StageOptions) {
  const redisFound = await findOrStartRedis(options.env);
  const prefix = `demo-${randomUUID().slice(0, 8)}`;
  const { sim, simUrl, endpoints, accountsFile, slack } = await startSimulators(options.accounts);
  const config = demoConfig({
    slack: slack.apiUrl,
    redis: redisFound.url,
    prefix,
    cas: simUrl,
    tls: endpoints.map((e) => e.resolve).join(','),
    accounts: accountsFile.path,
  });
  // The bot's own logs would drown the conversation: only warnings and errors, on stderr.
  const logger = createLogger({ level: 'warn', destination: process.stderr });
  const pacerRedis = new Redis(redisFound.url);
  // As the composition root builds them: each account through its role, paced by its own window.
  const accounts = createAccountCasFromConfig(
    config,
    await loadAccounts(config, (p) => readFile(p, 'utf8')),
    {
      env: {},
      homeDir: accountsFile.path,
      now: Date.now,
      paceFor: (account) =>
        createRedisPacer({
          redis: pacerRedis,
          prefix: `${prefix}:account:${account.name}`,
          limits: casRateLimits,
        }),
    },
  );
  const app = await startAppRole({ config, logger, cas: accounts.cas, accounts });
  const worker = await startWorkerRole({ config, logger, cas: accounts.cas, accounts });
  return { redisFound, prefix, sim, endpoints, accountsFile, slack, pacerRedis, app, worker };
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
    accounts: options.accounts,
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
      for (const e of parts.endpoints) await e.close();
      await parts.sim.close();
      await parts.accountsFile.remove();
      await parts.redisFound.stop?.();
    },
  };
}

/** A running stage. */
export type Stage = Awaited<ReturnType<typeof startStage>>;
