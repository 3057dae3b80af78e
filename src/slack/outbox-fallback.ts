import type { RenewalRecord } from '../renewals/record.ts';
import type { SlackMessage } from './cards.ts';
import { threadLink } from './links.ts';
import { code } from './thread-messages.ts';

/**
 * Slack errors that refuse a message for what it holds (docs.slack.dev chat.postMessage / chat.update errors;
 * `msg_blocks_too_long` per bolt-js#2509): sending it again cannot help, but a short message in its place can.
 */
export const refusedContentErrors: ReadonlySet<string> = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_blocks_too_long',
  'msg_too_long',
  'no_text',
  'too_many_attachments',
  'invalid_attachments',
  'markdown_text_conflict',
]);

/**
 * Slack errors about where a message goes (the channel, the message to update): no message can go there, so
 * the item is dropped (and logged) and the rest of the outbox still goes out.
 */
export const unreachableErrors: ReadonlySet<string> = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'thread_not_found',
]);

/**
 * What replaces a card or thread message Slack refused for its content: a few lines that say so and where to
 * look, well within every limit.
 */
export function renderRefusedFallback(
  record: Pick<RenewalRecord, 'kind' | 'orderId' | 'channelId' | 'messageTs'>,
  slackError: string,
): SlackMessage {
  const text = `:warning: This update was too long for Slack to show (${code(slackError)}). ${code(`/cert status ${record.orderId}`)} shows where the request stands; the CAS console has the details. Thread: ${threadLink(record)}`;
  return {
    text: `${record.kind === 'rotation' ? 'Subscription' : 'Order'} ${record.orderId}: this update was too long to show`,
    blocks: [{ type: 'section', block_id: 'refused', text: { type: 'mrkdwn', text } }],
  };
}
