import type { App, BlockAction } from '@slack/bolt';
import type { Logger } from '../../logger.ts';
import { alertActionIds } from '../alert-messages.ts';
import { actionIds } from '../cards.ts';
import { callbackIds } from '../modals.ts';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const notOneOf = (ids: readonly string[]) => new RegExp(`^(?!(?:${ids.map(escapeRegExp).join('|')})$)`);

/**
 * Interactions with IDs the bot does not own (old messages, tampered payloads): acked at once, with a private
 * explanation for buttons. Without these, Bolt would leave them unacked and Slack would show the user an error.
 */
export function registerFallbacks(app: App, logger: Logger): void {
  app.action<BlockAction>(
    { action_id: notOneOf([...Object.values(actionIds), ...Object.values(alertActionIds)]) },
    async ({ ack, action, respond }) => {
      await ack();
      logger.warn(
        { actionId: 'action_id' in action ? String(action.action_id).slice(0, 64) : undefined },
        'unknown action ignored',
      );
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: 'That is not a button I know; nothing was changed.',
      }).catch(() => undefined);
    },
  );
  app.view({ callback_id: notOneOf(Object.values(callbackIds)) }, async ({ ack, view }) => {
    await ack();
    logger.warn({ callbackId: view.callback_id.slice(0, 64) }, 'unknown view submission ignored');
  });
}
