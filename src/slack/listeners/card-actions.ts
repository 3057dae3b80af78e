import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from '../../logger.ts';
import type { RequestService } from '../../renewals/request-service.ts';
import { actionIds, parseCardValue } from '../cards.ts';
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

  /**
   * The request behind this card at the version the clicker saw, if it still waits for a decision; otherwise
   * tells the clicker why not.
   */
  const waitingRequest = async (
    body: BlockAction,
    value: string | undefined,
    reply: (text: string) => Promise<unknown>,
    attempt: 'reject' | 'attach',
  ) => {
    const card = where(body);
    const claim = parseCardValue(value);
    if (!card || !claim) {
      await reply(renderRefusal({ code: 'unknown_card' }, 'approve', deps.approvers));
      return undefined;
    }
    const seen = await deps.service.seenRequest(card.channelId, card.messageTs, claim);
    if ('refusal' in seen) {
      await reply(renderRefusal(seen.refusal, attempt, deps.approvers));
      return undefined;
    }
    return { card, claim, record: seen.record };
  };

  app.action<BlockAction<ButtonAction>>(actionIds.approve, async ({ ack, body, action, respond }) => {
    await ack();
    const reply = replyTo(respond);
    const card = where(body);
    if (!card) {
      await reply('This button is not on an approval card I posted.');
      return;
    }
    const claim = parseCardValue(action.value);
    const refusal = claim
      ? await deps.service.approve({ ...card, claim, userId: body.user.id })
      : ({ code: 'unknown_card' } as const);
    if (refusal) await reply(renderRefusal(refusal, 'approve', deps.approvers));
  });

  app.action<BlockAction<ButtonAction>>(actionIds.reject, async ({ ack, body, action, respond, client }) => {
    await ack();
    const reply = replyTo(respond);
    const found = await waitingRequest(body, action.value, reply, 'reject');
    if (!found) return;
    const { card, claim, record } = found;
    const refusal = await deps.service.authorise(record, body.user.id, 'reject');
    if (refusal) {
      await reply(renderRefusal(refusal, 'reject', deps.approvers));
      return;
    }
    await client.views.open({
      trigger_id: body.trigger_id,
      view: rejectModal({ recordId: claim.id, version: claim.version, ...card }, record.orderId),
    });
  });

  app.action<BlockAction<ButtonAction>>(
    actionIds.attachCsr,
    async ({ ack, body, action, respond, client }) => {
      await ack();
      const reply = replyTo(respond);
      const found = await waitingRequest(body, action.value, reply, 'attach');
      if (!found) return;
      const { card, claim, record } = found;
      if (record.requestedBy !== body.user.id) {
        await reply('Only the person who asked for this renewal can attach its CSR.');
        return;
      }
      await client.views.open({
        trigger_id: body.trigger_id,
        view: csrModal({ recordId: claim.id, version: claim.version, ...card }, record.orderId),
      });
    },
  );
}
