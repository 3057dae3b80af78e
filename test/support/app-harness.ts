import { request } from 'undici';
import { createCasClient } from '../../src/cas/client.ts';
import type { SimSeed } from '../../src/cas-sim/seed.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging.ts';
import { type AppRoleDeps, startAppRole } from '../../src/roles/app-role.ts';
import { createSlackStandIn, type SlackStandInOptions } from '../../src/slack-standin/server.ts';
import { startCasSim } from './cas.ts';
import { deleteKeysWithPrefix, testRedisUrl, uniquePrefix } from './redis.ts';
import { testCredentials } from './secrets.ts';
import {
  blockActionBody,
  slackSignature,
  slashCommandBody,
  testBotToken,
  testSigningSecret,
  viewSubmissionBody,
} from './slack-payloads.ts';

export const approverId = 'U0APPROVER';
export const otherApproverId = 'U0APPROVER2';
export const requesterId = 'U0REQUESTER';
export const channelId = 'C0CERTS';

/** Options of {@link startAppHarness}. */
export interface HarnessOptions {
  seed?: SimSeed;
  env?: Record<string, string>;
  standIn?: Partial<SlackStandInOptions>;
  appDeps?: Partial<Pick<AppRoleDeps, 'now' | 'requestTtlMs' | 'approverCacheMs'>>;
}

/**
 * The real app role against real Redis (own prefix), the CAS simulator and the Slack stand-in, driven through
 * its HTTP receiver with correctly signed requests. `logs` collects every log line for leak checks.
 */
export async function startAppHarness(options: HarnessOptions = {}) {
  const cas = await startCasSim(options.seed ?? {});
  const slack = createSlackStandIn({ botToken: testBotToken, ...options.standIn });
  await slack.listen();
  const prefix = uniquePrefix('app');
  const config = loadConfig({
    SLACK_BOT_TOKEN: testBotToken,
    SLACK_SIGNING_SECRET: testSigningSecret,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    REDIS_URL: testRedisUrl(),
    CERT_REDIS_PREFIX: prefix,
    CAS_ENDPOINT: cas.url,
    ALIBABA_CLOUD_ACCESS_KEY_ID: testCredentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: testCredentials.accessKeySecret,
    CERT_APPROVERS: `${approverId},${otherApproverId}`,
    ...options.env,
  });
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => logs.push(line) } });
  const casClient = createCasClient({
    endpoint: cas.url,
    credentials: () => testCredentials,
    sleep: async () => {},
  });
  const app = await startAppRole({ config, logger, cas: casClient, ...options.appDeps });
  const base = `http://127.0.0.1:${app.port}`;

  async function post(
    body: string,
    {
      timestampSec = Math.floor(Date.now() / 1000),
      signature,
    }: { timestampSec?: number; signature?: string } = {},
  ) {
    const res = await request(`${base}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestampSec),
        'x-slack-signature': signature ?? slackSignature(body, timestampSec),
      },
      body,
    });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      text,
      json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    };
  }

  return {
    cas,
    slack,
    app,
    config,
    prefix,
    logs,
    base,
    post,
    /** Sends `/cert <text>` as `user` in the test channel. */
    command(text: string, user = requesterId, overrides: Record<string, string> = {}) {
      return post(slashCommandBody({ text, response_url: slack.responseUrl(), user_id: user, ...overrides }));
    },
    /** Clicks a button on a card. */
    click(
      actionId: string,
      input: { user: string; messageTs: string; value: string | undefined; channel?: string },
    ) {
      return post(
        blockActionBody({
          actionId,
          value: input.value,
          userId: input.user,
          channelId: input.channel ?? channelId,
          messageTs: input.messageTs,
          responseUrl: slack.responseUrl(),
        }),
      );
    },
    submitView(
      callbackId: string,
      input: {
        user: string;
        privateMetadata: string;
        values: Record<string, Record<string, { type: string; value: string | null }>>;
      },
    ) {
      return post(
        viewSubmissionBody({
          callbackId,
          userId: input.user,
          privateMetadata: input.privateMetadata,
          values: input.values,
        }),
      );
    },
    async stop() {
      await app.stop();
      await slack.close();
      await cas.close();
      const { Redis } = await import('ioredis');
      const redis = new Redis(testRedisUrl());
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/** A running harness. */
export type AppHarness = Awaited<ReturnType<typeof startAppHarness>>;
