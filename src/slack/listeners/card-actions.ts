import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from '../../logger.ts';
import type { RequestService } from '../../renewals/request-service.ts';
import { actionIds } from '../cards.ts';
import { csrModal, rejectModal } from '../modals.ts';
import { renderRefusal } from '../replies.ts';

/** What the card buttons need. */
export interface CardActionDeps {
  service: RequestService;
  /** Names the approvers in a refusal (mentions). */
  approvers: () => string;
  logger: Logger;
}

function where(body: BlockAction): { channelId: string; messageTs: string } | undefined {
  const channelId = body.container?.channel_id ?? body.channel?.id;
  const messageTs = body.container?.message_ts ?? body.message?.ts;
  return channelId && messageTs ? { channelId, messageTs } : undefined;
}

/** Approve, Reject and Attach CSR on approval cards. Every click is acked first; the record decides. */
export function registerCardActions(app: App, deps: CardActionDeps): void {
  const replyTo = (respond: (m: object) => Promise<unknown>) => (text: string) =>
    respond({ response_type: 'ephemeral', replace_original: false, text });

  /** The request behind this card, if it still waits for a decision; otherwise tells the clicker why not. */
  const waitingRequest = async (
    body: BlockAction,
    claimedId: string | undefined,
    reply: (text: string) => Promise<unknown>,
  ) => {
    const card = where(body);
    const record = card
      ? await deps.service.requestForCard(card.channelId, card.messageTs, claimedId)
      : undefined;
    if (!card || !record) {
      await reply('This button does not belong to a renewal request I know.');
      return undefined;
    }
    if (record.state !== 'requested') {
      await reply('This request is no longer waiting for a decision.');
      return undefined;
    }
    return { card, record };
  };

  app.action<BlockAction<ButtonAction>>(actionIds.approve, async ({ ack, body, action, respond }) => {
    await ack();
    const reply = replyTo(respond);
    const card = where(body);
    if (!card) {
      await reply('This button is not on an approval card I posted.');
      return;
    }
    const refusal = await deps.service.approve({ ...card, claimedId: action.value, userId: body.user.id });
    if (refusal) await reply(renderRefusal(refusal, 'approve', deps.approvers));
  });

  app.action<BlockAction<ButtonAction>>(actionIds.reject, async ({ ack, body, action, respond, client }) => {
    await ack();
    const reply = replyTo(respond);
    const found = await waitingRequest(body, action.value, reply);
    if (!found) return;
    const { card, record } = found;
    const refusal = await deps.service.authorise(record, body.user.id, 'reject');
    if (refusal) {
      await reply(renderRefusal(refusal, 'reject', deps.approvers));
      return;
    }
    await client.views.open({
      trigger_id: body.trigger_id,
      view: rejectModal({ recordId: record.id, ...card }, record.orderId),
    });
  });

  app.action<BlockAction<ButtonAction>>(
    actionIds.attachCsr,
    async ({ ack, body, action, respond, client }) => {
      await ack();
      const reply = replyTo(respond);
      const found = await waitingRequest(body, action.value, reply);
      if (!found) return;
      const { card, record } = found;
      if (record.requestedBy !== body.user.id) {
        await reply('Only the person who asked for this renewal can attach its CSR.');
        return;
      }
      await client.views.open({
        trigger_id: body.trigger_id,
        view: csrModal({ recordId: record.id, ...card }, record.orderId),
      });
    },
  );
}
