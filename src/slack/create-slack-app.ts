import { App, type AuthorizeResult, HTTPReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Config } from '../config/config.ts';
import type { Logger } from '../logger.ts';
import { toBoltLogger } from './bolt-logger.ts';
import { createInstallationLookup, type InstallationLookup } from './installation.ts';

/** The Bolt app and, in HTTP mode, the listener our own HTTP server hands verified requests to. */
export interface SlackApp {
  app: App;
  /** The bot token's Web API client, for work outside listeners (listeners get Bolt's `client`). */
  client: WebClient;
  /** Who the bot is installed as (`auth.test`), for {@link guardInstallation}. */
  installation: InstallationLookup;
  /** Set in HTTP mode. */
  httpListener: HTTPReceiver['requestListener'] | undefined;
  socketMode: boolean;
}

/**
 * How long a request waits for `auth.test` when the installation is not known yet, milliseconds: Slack wants the
 * ack within 3 seconds, and a refused request is acked too.
 */
export const installationWaitMs = 1_500;

/**
 * Bolt's authorization from our own installation lookup. Bolt's own (with `token`) asks `auth.test` once, at
 * construction, and keeps a failure for good, unhandled: a Slack outage at start-up would stop the process or
 * leave every request silently refused. Never throws; without an installation the result has no team, and
 * {@link guardInstallation} refuses the payload with a word.
 */
function authorizeFrom(botToken: string, installation: InstallationLookup) {
  return async (): Promise<AuthorizeResult> => {
    const found = await installation.settle(installationWaitMs);
    return {
      botToken,
      ...(found?.teamId ? { teamId: found.teamId } : {}),
      ...(found?.enterpriseId ? { enterpriseId: found.enterpriseId } : {}),
      ...(found?.botId ? { botId: found.botId } : {}),
      ...(found?.botUserId ? { botUserId: found.botUserId } : {}),
    };
  };
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
  const client = new WebClient(config.slack.botToken, clientOptions);
  const installation = createInstallationLookup({ authTest: () => client.auth.test(), logger });
  const authorize = authorizeFrom(config.slack.botToken, installation);
  if (config.slack.appToken) {
    const app = new App({
      authorize,
      appToken: config.slack.appToken,
      socketMode: true,
      logger: boltLogger,
      clientOptions,
      convoStore: false,
    });
    return { app, client, installation, httpListener: undefined, socketMode: true };
  }
  const receiver = new HTTPReceiver({
    signingSecret: config.slack.signingSecret ?? '',
    // Verified by our server (createHttpServer) before Bolt sees the request.
    signatureVerification: false,
    endpoints: '/slack/events',
    logger: boltLogger,
  });
  const app = new App({
    authorize,
    receiver,
    logger: boltLogger,
    clientOptions,
    // Bolt's default conversation store runs on every request and, finding nothing, builds an Error each time
    // (measured in the ack path under a burst); the bot keeps no per-conversation state in memory.
    convoStore: false,
  });
  return { app, client, installation, httpListener: receiver.requestListener, socketMode: false };
}
