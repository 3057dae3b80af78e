import type { WebClient } from '@slack/web-api';
import type { PostAlert } from '../alerts/alert.ts';
import type { Logger } from '../logger.ts';
import { type AlertMessage, renderAlert } from './alert-messages.ts';
import type { AlertPosts } from './alert-posts.ts';
import { slackErrorCode } from './links.ts';

/** Dependencies of {@link createAlertPoster}. */
export interface AlertPosterDeps {
  slack: WebClient;
  logger: Logger;
  /** Where alerts are remembered, so that a renewal can take their Renew button away. */
  posts?: AlertPosts | undefined;
  /** Waits between two messages to the same channel (Slack allows about one per second). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The Slack side of the expiry scan: renders each alert and posts its messages in order, a second apart, stopping
 * at the first one Slack refuses (logged; the scan then gives the alert's claims back). Remembers where each
 * expiry alert went (its Renew buttons); failing to remember only costs the later update, never the alert.
 */
export function createAlertPoster(deps: AlertPosterDeps): PostAlert {
  const { logger } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  async function postOne(channel: string, { message, orders }: AlertMessage): Promise<boolean> {
    let ts: string | undefined;
    try {
      const posted = await deps.slack.chat.postMessage({
        channel,
        text: message.text,
        ...(message.blocks.length > 0 ? { blocks: message.blocks } : {}),
      });
      ts = posted.ts;
    } catch (err) {
      logger.error(
        { channel, slackError: slackErrorCode(err) ?? (err as Error).message },
        'expiry alert not posted',
      );
      return false;
    }
    if (ts && orders.length > 0 && deps.posts) {
      await deps.posts
        .record(channel, ts, message, orders)
        .catch((err: unknown) =>
          logger.warn({ channel, ts, err: { message: String(err) } }, 'alert not recorded'),
        );
    }
    return true;
  }

  return async function postAlert(alert) {
    for (const [i, message] of renderAlert(alert).entries()) {
      if (i > 0) await sleep(1_000);
      if (!(await postOne(alert.channel, message))) return false;
    }
    return true;
  };
}
