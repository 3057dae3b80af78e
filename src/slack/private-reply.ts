import type { WebClient } from '@slack/web-api';
import { slackErrorCode } from './links.ts';

/** Errors of `chat.postEphemeral` that a direct message gets around. */
const notReachableThere = new Set([
  'user_not_in_channel',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
]);

/**
 * Answers one person privately where there is no `response_url` (a modal submission): an ephemeral message in the
 * channel, or, when they are not in it (Slack refuses ephemerals to non-members), a direct message from the app.
 * A click or a submission is never left unanswered.
 */
export async function replyPrivately(
  client: WebClient,
  where: { channelId: string; userId: string },
  text: string,
): Promise<void> {
  try {
    await client.chat.postEphemeral({ channel: where.channelId, user: where.userId, text });
  } catch (err) {
    if (!notReachableThere.has(slackErrorCode(err) ?? '')) throw err;
    await client.chat.postMessage({ channel: where.userId, text });
  }
}
