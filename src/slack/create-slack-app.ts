import { App, HTTPReceiver } from '@slack/bolt';
import type { Config } from '../config/config.ts';
import type { Logger } from '../logger.ts';
import { toBoltLogger } from './bolt-logger.ts';

/** The Bolt app and, in HTTP mode, the listener our own HTTP server hands verified requests to. */
export interface SlackApp {
  app: App;
  /** Set in HTTP mode. */
  httpListener: HTTPReceiver['requestListener'] | undefined;
  socketMode: boolean;
}

/**
 * Builds the Bolt app. HTTP mode: Bolt's HTTPReceiver never listens itself; our server verifies signatures
 * (both directions of the 5-minute window) and passes requests on. Socket Mode when `SLACK_APP_TOKEN` is set.
 */
export function createSlackApp(config: Config, logger: Logger, fetch?: typeof globalThis.fetch): SlackApp {
  const boltLogger = toBoltLogger(logger);
  const clientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: `${config.slack.apiUrl}/` } : {}),
    // Method names can never redirect the bot's token to another host.
    allowAbsoluteUrls: false,
    ...(fetch ? { fetch } : {}),
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 10_000 },
    // Each attempt ends after 10 s: a hung Slack call must not hold a listener or an outbox lock forever.
    timeout: 10_000,
  };
  if (config.slack.appToken) {
    const app = new App({
      token: config.slack.botToken,
      appToken: config.slack.appToken,
      socketMode: true,
      logger: boltLogger,
      clientOptions,
      convoStore: false,
    });
    return { app, httpListener: undefined, socketMode: true };
  }
  const receiver = new HTTPReceiver({
    signingSecret: config.slack.signingSecret ?? '',
    // Verified by our server (createHttpServer) before Bolt sees the request.
    signatureVerification: false,
    endpoints: '/slack/events',
    logger: boltLogger,
  });
  const app = new App({
    token: config.slack.botToken,
    receiver,
    logger: boltLogger,
    clientOptions,
    // Bolt's default conversation store runs on every request and, finding nothing, builds an Error each time
    // (measured in the ack path under a burst); the bot keeps no per-conversation state in memory.
    convoStore: false,
  });
  return { app, httpListener: receiver.requestListener, socketMode: false };
}
