import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { ModalView } from '@slack/web-api';
import type { Decision } from '../../approval/decisions.ts';
import type { Logger } from '../../logger.ts';
import { notRequester, type Refusal } from '../../renewals/outcomes.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import type { RequestService } from '../../renewals/request-service.ts';
import type { Guarded } from '../after-ack.ts';
import { actionIds, parseCardValue } from '../cards.ts';
import { openThenFill } from '../modal-first.ts';
import { csrModal, type ModalContext, type ModalRequest, rejectModal } from '../modals.ts';
import { approvalCountedText, approvalQueuedLaterText, renderRefusal } from '../replies.ts';

/** What the card buttons need. */
export interface CardActionDeps {
  service: RequestService;
  /** Names the approvers in a refusal (mentions). */
  approvers: (decision?: Decision, account?: string) => string;
  /** Runs the work after the ack, bounded, answering the person if it fails. */
  guarded: Guarded;
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

  /** The request behind this card at the version the clicker saw, if it still waits for a decision. */
  const waitingRequest = async (body: BlockAction, value: string | undefined) => {
    const card = where(body);
    const claim = parseCardValue(value);
    if (!card || !claim) return { refusal: { code: 'unknown_card' } as const };
    const seen = await deps.service.seenRequest(card.channelId, card.messageTs, claim);
    if ('refusal' in seen) return { refusal: seen.refusal };
    return { card, claim, record: seen.record };
  };

  app.action<BlockAction<ButtonAction>>(actionIds.approve, async ({ ack, body, action, respond }) => {
    await ack();
    const reply = replyTo(respond);
    await deps.guarded('approve', reply, async () => {
      const card = where(body);
      if (!card) {
        await reply('This button is not on an approval card I posted.');
        return;
      }
      const claim = parseCardValue(action.value);
      const outcome = claim
        ? await deps.service.approve({ ...card, claim, userId: body.user.id })
        : ({ code: 'unknown_card' } as const);
      if (outcome?.code === 'queued_later') await reply(approvalQueuedLaterText(outcome));
      else if (outcome?.code === 'approval_counted') await reply(approvalCountedText(outcome));
      else if (outcome) await reply(renderRefusal(outcome, 'approve', deps.approvers));
    });
  });

  // Both modals open at once and are filled after the checks: a trigger_id lasts about 3 seconds.
  const modalButton = (button: ModalButton) =>
    app.action<BlockAction<ButtonAction>>(button.actionId, async ({ ack, body, action, client, respond }) => {
      await ack();
      await deps.guarded(
        button.what,
        replyTo(respond),
        () =>
          openThenFill(client, body.trigger_id, button.title, async () => {
            const found = await waitingRequest(body, action.value);
            if ('refusal' in found)
              return { refusal: renderRefusal(found.refusal, button.attempt, deps.approvers) };
            const { card, claim, record } = found;
            const refusal = await button.refusal(record, body.user.id);
            if (refusal) return { refusal: renderRefusal(refusal, button.attempt, deps.approvers) };
            return {
              view: button.modal({ recordId: claim.id, version: claim.version, ...card }, record),
            };
          }).then(() => undefined),
        false,
      );
    });
  modalButton({
    actionId: actionIds.reject,
    what: 'reject',
    title: 'Reject request', // the loading modal's: the request's kind is not known yet
    attempt: 'reject',
    refusal: (record, userId) => deps.service.authorise(record, userId, 'reject'),
    modal: rejectModal,
  });
  modalButton({
    actionId: actionIds.attachCsr,
    what: 'attach CSR',
    title: 'Attach CSR',
    attempt: 'attach',
    refusal: async (record, userId) => (record.requestedBy !== userId ? notRequester(record) : undefined),
    modal: csrModal,
  });
}

/** A card button that opens a modal of the request: what the modal is, and who may open it. */
interface ModalButton {
  actionId: string;
  /** The work's name, for the guard's log. */
  what: string;
  /** The modal's title while its checks run. */
  title: string;
  attempt: 'reject' | 'attach';
  /** Why the clicker may not open it (for the request as the card showed it); undefined when they may. */
  refusal(record: RenewalRecord, userId: string): Promise<Refusal | undefined>;
  modal(context: ModalContext, request: ModalRequest): ModalView;
}
