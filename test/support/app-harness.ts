import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { request } from 'undici';
import type { AccountCas } from '../../src/accounts/account-cas.ts';
import { createCasClient } from '../../src/cas/client.ts';
import { casRateLimits, createRedisPacer } from '../../src/cas/pacer.ts';
import type { SimSeed } from '../../src/cas-sim/seed.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createConnections } from '../../src/connections.ts';
import { type AppQueues, createQueues } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/logging.ts';
import { createMetrics } from '../../src/metrics.ts';
import { type AppRoleDeps, startAppRole } from '../../src/roles/app-role.ts';
import { startWorkerRole } from '../../src/roles/worker-role.ts';
import {
  createSlackStandIn,
  type SlackFault,
  type SlackStandInOptions,
} from '../../src/slack-standin/server.ts';
import type { DurableRedisOptions } from '../../src/worker/durable-redis.ts';
import type { RenewalTimings } from '../../src/worker/renewal-processor.ts';
import { startCasSim } from './cas.ts';
import { deleteKeysWithPrefix, testRedisUrl, uniquePrefix } from './redis.ts';
import { testCredentials } from './secrets.ts';
import {
  blockActionBody,
  signedSlackHeaders,
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
  /** One clock for the app and the worker (alert tests move it by days). */
  now?: () => number;
  /** Also run the worker role in this process, with these step timings (short ones for tests). */
  worker?: Partial<RenewalTimings>;
  /** How the worker makes the claim before the paid call durable. */
  durability?: DurableRedisOptions;
  /** Slack faults in place before the app starts (its first `auth.test` is made while it starts). */
  slackFaults?: SlackFault[];
  /** Changes the app's real queues before it starts (a test makes one call fail). */
  appQueues?: (queues: AppQueues) => AppQueues;
  /** Another Redis than the tests' shared one (a test that counts every command starts its own). */
  redisUrl?: string;
  /** Several Alibaba accounts (test/support/accounts.ts) instead of the one account of the simulator's client. */
  accounts?: AccountCas;
}

/** Step timings that keep worker tests fast without changing what the steps do. */
export const fastTimings: Partial<RenewalTimings> = {
  casTimeoutMs: 1_000,
  reconcileSettleMs: 50,
  submitRetryBaseMs: 50,
};

/**
 * The real app role against real Redis (own prefix), the CAS simulator and the Slack stand-in, driven through
 * its HTTP receiver with correctly signed requests. `logs` collects every log line for leak checks.
 */
export async function startAppHarness(options: HarnessOptions = {}) {
  const cas = await startCasSim(options.seed ?? {});
  const slack = createSlackStandIn({ botToken: testBotToken, ...options.standIn });
  await slack.listen();
  for (const fault of options.slackFaults ?? []) slack.addFault(fault);
  const prefix = uniquePrefix('app');
  const redisUrl = options.redisUrl ?? testRedisUrl();
  const config = loadConfig({
    SLACK_BOT_TOKEN: testBotToken,
    SLACK_SIGNING_SECRET: testSigningSecret,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    METRICS_PORT: '0',
    REDIS_URL: redisUrl,
    CERT_REDIS_PREFIX: prefix,
    CAS_ENDPOINT: cas.url,
    ALIBABA_CLOUD_ACCESS_KEY_ID: testCredentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: testCredentials.accessKeySecret,
    CERT_APPROVERS: `${approverId},${otherApproverId}`,
    CERT_POLL_MIN_SECONDS: '0',
    CERT_POLL_MAX_SECONDS: '0',
    CERT_STALLED_INTERVAL_SECONDS: '1',
    // The shared test Redis may run without AOF; the durability tests start their own.
    CERT_REQUIRE_DURABLE_REDIS: 'false',
    CERT_JOB_LOCK_SECONDS: '5',
    CERT_CAS_QPS: '100',
    // Renewal tests end at issued; test/worker/deployment.test.ts turns the deployment step on.
    CERT_DEPLOY: 'off',
    ...options.env,
  });
  const logs: string[] = [];
  const logEvents = new EventEmitter();
  logEvents.setMaxListeners(100);
  const logger = createLogger({
    level: 'debug',
    destination: {
      write: (line: string) => {
        logs.push(line);
        logEvents.emit('line', JSON.parse(line));
      },
    },
  });
  const metrics = createMetrics();
  // Paced like production: one window in Redis for every ListUserCertificateOrder caller.
  const pacerRedis = new Redis(redisUrl);
  const casClient = createCasClient({
    endpoint: cas.url,
    credentials: () => testCredentials,
    sleep: async () => {},
    // Matches fastTimings.casTimeoutMs: the worker reconciles once an unanswered call is certainly over.
    timeoutMs: 1_000,
    pace: createRedisPacer({ redis: pacerRedis, prefix, limits: casRateLimits }),
    onCall: (event) => metrics.casCall(event),
  });
  const now = options.now;
  // One composition root for both roles, as `npm start` builds it.
  const connections = createConnections(config, logger, metrics);
  const queues = options.appQueues?.(createQueues(connections.appRedis, prefix, () => {}));
  const app = await startAppRole({
    config,
    logger,
    cas: casClient,
    ...(options.accounts ? { accounts: options.accounts } : {}),
    metrics,
    connections,
    ...(queues ? { queues } : {}),
    ...(now ? { now } : {}),
    ...options.appDeps,
  });
  const worker = options.worker
    ? await startWorkerRole({
        config,
        logger,
        cas: casClient,
        ...(options.accounts ? { accounts: options.accounts } : {}),
        metrics,
        connections,
        timings: { ...fastTimings, ...options.worker },
        ...(options.durability ? { durability: options.durability } : {}),
        ...(now ? { now } : {}),
      })
    : undefined;
  const base = `http://127.0.0.1:${app.port}`;
  /** The operations listener (`METRICS_PORT`): `/metrics`, `/readyz`, `/healthz`. */
  const metricsBase = `http://127.0.0.1:${app.metricsPort}`;

  async function post(
    body: string,
    {
      timestampSec = Math.floor((options.now ?? Date.now)() / 1000),
      signature,
    }: { timestampSec?: number; signature?: string } = {},
  ) {
    const res = await request(`${base}/slack/events`, {
      method: 'POST',
      headers: {
        ...signedSlackHeaders(body, timestampSec),
        ...(signature !== undefined ? { 'x-slack-signature': signature } : {}),
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
    metricsBase,
    post,
    /** Resolves with the first log entry (past or future) matching, or rejects after `timeoutMs`. */
    waitForLog(
      predicate: (entry: Record<string, unknown>) => boolean,
      timeoutMs = 5_000,
    ): Promise<Record<string, unknown>> {
      const past = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find(predicate);
      if (past) return Promise.resolve(past);
      return new Promise((resolve, reject) => {
        const onLine = (entry: Record<string, unknown>) => {
          if (!predicate(entry)) return;
          clearTimeout(timer);
          logEvents.off('line', onLine);
          resolve(entry);
        };
        const timer = setTimeout(() => {
          logEvents.off('line', onLine);
          reject(new Error(`No matching log line within ${timeoutMs} ms`));
        }, timeoutMs);
        logEvents.on('line', onLine);
      });
    },
    /** Sends `/cert <text>` as `user` in the test channel. */
    command(text: string, user = requesterId, overrides: Record<string, string> = {}) {
      return post(slashCommandBody({ text, response_url: slack.responseUrl(), user_id: user, ...overrides }));
    },
    /** Clicks a button on a card. */
    click(
      actionId: string,
      input: {
        user: string;
        messageTs: string;
        value: string | undefined;
        channel?: string;
        blockId?: string | undefined;
      },
    ) {
      return post(
        blockActionBody({
          actionId,
          ...(input.blockId ? { blockId: input.blockId } : {}),
          value: input.value,
          userId: input.user,
          channelId: input.channel ?? channelId,
          messageTs: input.messageTs,
          responseUrl: slack.responseUrl(),
          // Issued now, as Slack issues one with the click: valid 3 s, once.
          triggerId: slack.issueTrigger(),
        }),
      );
    },
    submitView(
      callbackId: string,
      input: {
        user: string;
        privateMetadata: string;
        values: Record<
          string,
          Record<string, { type: string; value?: string | null; selected_option?: unknown }>
        >;
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
    worker,
    async stop() {
      await worker?.stop();
      pacerRedis.disconnect();
      await app.stop();
      connections.close();
      await slack.close();
      await cas.close();
      const redis = new Redis(redisUrl);
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/** A running harness. */
export type AppHarness = Awaited<ReturnType<typeof startAppHarness>>;

/** Finds a button in recorded blocks. */
export function findButton(blocks: unknown, actionId: string): { value?: string } | undefined {
  for (const block of (blocks as Array<{
    type: string;
    elements?: Array<{ action_id?: string; value?: string }>;
  }>) ?? []) {
    const button = block.elements?.find((e) => e.action_id === actionId);
    if (button) return button;
  }
  return undefined;
}

/** Sends `/cert renew` and waits for the approval card; returns its ts and the request ID on its buttons. */
export async function openCard(h: AppHarness, orderId: string, user = requesterId, extra = '') {
  const before = h.slack.okCalls('chat.postMessage').length;
  const ack = await h.command(`renew ${orderId}${extra ? ` ${extra}` : ''}`, user);
  const call = await h.slack.waitForCall(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.response.ok === true &&
      h.slack.okCalls('chat.postMessage').indexOf(c) >= before,
  );
  const ts = call.response.ts as string;
  // The button names the request and the version on the card: a click sends it back as it is.
  const value = findButton(call.args.blocks, 'cert_approve')?.value;
  const recordId = value?.split('.')[0];
  // The card is usable once the app has stored where it is (its last step logs this).
  if (recordId) await h.waitForLog((e) => e.msg === 'renewal requested' && e.recordId === recordId);
  return { ack, call, ts, recordId, value };
}

/** A modal as the person sees it once the bot filled it in (`callback_id` unset on a notice). */
export interface ShownModal {
  callback_id?: string;
  private_metadata?: string;
  blocks?: unknown;
}

/**
 * Does `act` (a click) and resolves with the modal it opened, as the bot filled it: modals open with a loading
 * view at once (a trigger_id lasts 3 s) and are completed with views.update.
 */
export async function modalAfter(h: AppHarness, act: () => Promise<unknown>): Promise<ShownModal> {
  const updates = () => h.slack.calls.filter((c) => c.method === 'views.update' && c.response.ok === true);
  const before = updates().length;
  await act();
  const update = await h.slack.waitForCall(
    (c) => c.method === 'views.update' && c.response.ok === true && updates().indexOf(c) >= before,
  );
  return update.args.view as ShownModal;
}

/** All text of a modal (for the notice a refused person sees). */
export const modalText = (view: ShownModal) => JSON.stringify(view.blocks ?? []);

/** Clicks Reject on a card and submits the reason modal that opens (`reason` null: left empty). */
export async function rejectViaModal(
  h: AppHarness,
  card: { ts: string; value: string | undefined },
  reason: string | null,
  user = approverId,
) {
  const view = await modalAfter(h, () =>
    h.click('cert_reject', { user, messageTs: card.ts, value: card.value }),
  );
  return h.submitView(view.callback_id ?? '', {
    user,
    privateMetadata: view.private_metadata ?? '',
    values: { reason: { value: { type: 'plain_text_input', value: reason } } },
  });
}

/** All text of a message's blocks, for assertions on what a person sees. */
export function blocksText(blocks: unknown): string {
  return JSON.stringify(blocks ?? []);
}

/** Keys of the renewal records a harness's app wrote (to prove that bad input created nothing). */
export async function renewalRecordKeys(h: AppHarness): Promise<string[]> {
  return h.app.redis.keys(`${h.prefix}:renewal:*`);
}

/**
 * The environment of an app or worker process started beside a harness (same Redis prefix, simulator and Slack
 * stand-in), with the short lock, stall and poll timings the crash tests need; `overrides` win.
 */
export function childRoleEnv(h: AppHarness, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: testBotToken,
    SLACK_SIGNING_SECRET: testSigningSecret,
    SLACK_API_URL: h.slack.apiUrl,
    REDIS_URL: h.config.redis.url,
    CERT_REDIS_PREFIX: h.prefix,
    PORT: '0',
    METRICS_PORT: '0',
    CAS_ENDPOINT: h.cas.url,
    CAS_TIMEOUT_SECONDS: '1',
    ALIBABA_CLOUD_ACCESS_KEY_ID: testCredentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: testCredentials.accessKeySecret,
    CERT_APPROVERS: approverId,
    CERT_POLL_MIN_SECONDS: '0',
    CERT_POLL_MAX_SECONDS: '0',
    CERT_JOB_LOCK_SECONDS: '2',
    CERT_STALLED_INTERVAL_SECONDS: '1',
    // The shared test Redis may run without AOF; the durability tests start their own.
    CERT_REQUIRE_DURABLE_REDIS: 'false',
    CERT_RECONCILE_SETTLE_SECONDS: '0.2',
    CERT_DEPLOY: 'off',
    LOG_LEVEL: 'info',
    ...overrides,
  };
}
