import type { AddressInfo } from 'node:net';
import { App } from '@slack/bolt';
import { Redis } from 'ioredis';
import { createCasClient } from '../src/cas/client.ts';
import { casRateLimits, createRedisPacer } from '../src/cas/pacer.ts';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logging.ts';
import { startAppRole } from '../src/roles/app-role.ts';
import { testCredentials } from '../test/support/secrets.ts';
import { testSigningSecret } from '../test/support/slack-payloads.ts';

// A benchmark subject in its own process (own event loop): `bare` (Bolt's HTTPReceiver, ack only) or `app`
// (the certbot app role). Configured by the environment; prints `READY <port>` once listening.
const mode = process.argv[2];
if (mode === 'bare') {
  const bare = new App({
    token: process.env.SLACK_BOT_TOKEN,
    signingSecret: testSigningSecret,
    clientOptions: { slackApiUrl: process.env.SLACK_API_URL ?? '' },
  });
  bare.command('/cert', async ({ ack }) => {
    await ack();
  });
  const server = (await bare.start(0)) as unknown as { address(): AddressInfo };
  process.stdout.write(`READY ${server.address().port}\n`);
} else {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: 'warn', destination: process.stderr });
  // Paced like `npm start` (src/main.ts): CAS's documented rates, shared through Redis.
  const pace = createRedisPacer({
    redis: new Redis(config.redis.url),
    prefix: config.redis.prefix,
    limits: casRateLimits,
  });
  const app = await startAppRole({
    config,
    logger,
    cas: createCasClient({ endpoint: config.cas.endpoint, credentials: () => testCredentials, pace }),
  });
  process.stdout.write(`READY ${app.port} METRICS ${app.metricsPort}\n`);
}

// Exit normally on SIGTERM so that --cpu-prof can write its profile.
process.once('SIGTERM', () => process.exit(0));
