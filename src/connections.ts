import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import type { Config } from './config/config.ts';
import type { Logger } from './logger.ts';
import { type Metrics, observedSlackFetch } from './metrics.ts';
import { createSlackApp, type SlackApp } from './slack/create-slack-app.ts';

/**
 * Every connection to the outside that the roles use, built in one place (the composition root) and handed to
 * them. Each is made on first use, so a process that runs one role opens only what that role needs; in one
 * process the app and the worker share them.
 */
export interface Connections {
  /** Commands from Slack handlers: fail fast while Redis is away, so a person gets an answer within seconds. */
  readonly appRedis: Redis;
  /** The worker's commands: a few retries through a short outage. */
  readonly workerRedis: Redis;
  /** BullMQ workers' blocking connection (BullMQ requires `maxRetriesPerRequest: null`). */
  readonly bullmqRedis: Redis;
  /** The Bolt app (receiver and its Web API client). */
  readonly slackApp: SlackApp;
  /** The worker's thread and card client: no retries inside, a 429 becomes a job delay. */
  readonly threadSlack: WebClient;
  /** The expiry scan's client: waits out 429s itself (a few messages a day, a second apart per channel). */
  readonly alertSlack: WebClient;
  /** Closes every connection that was opened. */
  close(): void;
}

/** Builds the connections from the configuration (lazily); `metrics` observes every Slack call. */
export function createConnections(config: Config, logger: Logger, metrics: Metrics): Connections {
  const opened: Array<{ disconnect(): void }> = [];
  const redis = (name: string, options: { maxRetriesPerRequest: number | null; connectTimeout?: number }) => {
    const client = new Redis(config.redis.url, options);
    client.on('error', (err) =>
      logger.warn({ err: { message: err.message }, connection: name }, 'Redis connection error'),
    );
    opened.push(client);
    return client;
  };
  const webClient = (options: ConstructorParameters<typeof WebClient>[1]) =>
    new WebClient(config.slack.botToken, {
      ...(config.slack.apiUrl ? { slackApiUrl: `${config.slack.apiUrl}/` } : {}),
      // Method names can never redirect the bot's token to another host.
      allowAbsoluteUrls: false,
      timeout: 15_000,
      fetch: observedSlackFetch(metrics),
      ...options,
    });

  const made = madeOnFirstUse<Omit<Connections, 'close'>>({
    appRedis: () => redis('app', { maxRetriesPerRequest: 2, connectTimeout: 5_000 }),
    workerRedis: () => redis('worker', { maxRetriesPerRequest: 3 }),
    bullmqRedis: () => redis('bullmq', { maxRetriesPerRequest: null }),
    slackApp: () => createSlackApp(config, logger, observedSlackFetch(metrics)),
    threadSlack: () => webClient({ rejectRateLimitedCalls: true, retryConfig: { retries: 0 } }),
    alertSlack: () =>
      webClient({ retryConfig: { retries: 3, factor: 2, minTimeout: 1_000, maxTimeout: 30_000 } }),
  });
  return Object.assign(made, {
    close() {
      for (const client of opened.splice(0)) client.disconnect();
    },
  });
}

/** An object each of whose properties is made by its maker on first read, then kept. */
function madeOnFirstUse<T extends object>(makers: { [K in keyof T]: () => T[K] }): T {
  const object = {} as T;
  for (const key of Object.keys(makers) as Array<keyof T>) {
    let value: T[typeof key] | undefined;
    Object.defineProperty(object, key, {
      enumerable: true,
      get: () => {
        value ??= makers[key]();
        return value;
      },
    });
  }
  return object;
}
