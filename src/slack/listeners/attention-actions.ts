import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Decision } from '../../approval/decisions.ts';
import type { Logger } from '../../logger.ts';
import type { AttentionService } from '../../renewals/attention-service.ts';
import type { Refusal } from '../../renewals/outcomes.ts';
import type { Guarded } from '../after-ack.ts';
import { actionIds, parseCardValue } from '../cards.ts';
import { openThenFill } from '../modal-first.ts';
import { callbackIds, closeTitle, modalContextOf, resolveModal } from '../modals.ts';
import { replyPrivately } from '../private-reply.ts';
import { decisionQueuedLater, renderRefusal } from '../replies.ts';

/** What the needs-attention buttons need. */
export interface AttentionActionDeps {
  attention: AttentionService;
  /** Names the approvers in a refusal (mentions). */
  approvers: (decision?: Decision, account?: string) => string;
  /** Runs the work after the ack, bounded, answering the person if it fails. */
  guarded: Guarded;
  logger: Logger;
}

const orderIdPattern = /^[0-9]{1,19}$/;

/**
 * *Check CAS again* and *Close…* on a card that needs attention. Every click is acked first; the record decides,
 * and only approvers may act.
 */
export function registerAttentionActions(app: App, deps: AttentionActionDeps): void {
  const replyTo = (respond: (m: object) => Promise<unknown>) => (text: string) =>
    respond({ response_type: 'ephemeral', replace_original: false, text });
  const clickOf = (
    body: BlockAction,
    value: string | undefined,
    respond: (m: object) => Promise<unknown>,
  ) => {
    const channelId = body.container?.channel_id ?? body.channel?.id;
    const messageTs = body.container?.message_ts ?? body.message?.ts;
    if (!channelId || !messageTs) return undefined;
    return {
      channelId,
      messageTs,
      claim: parseCardValue(value),
      userId: body.user.id,
      reply: replyTo(respond),
    };
  };
  const refuse = (refusal: Refusal) => renderRefusal(refusal, 'decide', deps.approvers);

  app.action<BlockAction<ButtonAction>>(actionIds.recheck, async ({ ack, body, action, respond }) => {
    await ack();
    await deps.guarded('check CAS again', replyTo(respond), async () => {
      const click = clickOf(body, action.value, respond);
      if (!click) {
        await replyTo(respond)('This button is not on a card I posted.');
        return;
      }
      const outcome = await deps.attention.recheck(click);
      if (outcome?.code === 'queued_later') await click.reply(decisionQueuedLater);
      else if (outcome) await click.reply(refuse(outcome));
    });
  });

  app.action<BlockAction<ButtonAction>>(actionIds.resolve, async ({ ack, body, action, respond, client }) => {
    await ack();
    const click = clickOf(body, action.value, respond);
    // Opened at once (not queued) and filled after the checks: a trigger_id lasts about 3 seconds.
    await deps.guarded(
      'close',
      replyTo(respond),
      () =>
        openThenFill(client, body.trigger_id, closeTitle, async () => {
          if (!click) return { refusal: 'This button is not on a card I posted.' };
          const may = await deps.attention.mayResolve(click);
          if ('refusal' in may) return { refusal: refuse(may.refusal) };
          const context = {
            recordId: click.claim?.id ?? '',
            version: click.claim?.version ?? 0,
            channelId: click.channelId,
            messageTs: click.messageTs,
          };
          return { view: resolveModal(context, may.request) };
        }).then(() => undefined),
      false,
    );
  });

  app.view(callbackIds.resolve, async ({ ack, body, view, client }) => {
    const outcome = view.state.values.outcome?.value?.selected_option?.value;
    const newOrderId = view.state.values.new_order?.value?.value?.trim() || undefined;
    if (outcome === 'renewed' && (!newOrderId || !orderIdPattern.test(newOrderId))) {
      await ack({
        response_action: 'errors',
        errors: { new_order: 'Give the new order ID from the CAS console: digits only, up to 19.' },
      });
      return;
    }
    if (outcome !== 'renewed' && outcome !== 'not_renewed') {
      await ack({ response_action: 'errors', errors: { outcome: 'Choose what the CAS console shows.' } });
      return;
    }
    await ack();
    const context = modalContextOf(view.private_metadata);
    if (!context) return;
    const reply = (text: string) =>
      replyPrivately(client, { channelId: context.channelId, userId: body.user.id }, text);
    const click = {
      channelId: context.channelId,
      messageTs: context.messageTs,
      claim: { id: context.recordId, version: context.version },
      userId: body.user.id,
      reply,
    };
    const refusal =
      outcome === 'renewed'
        ? await deps.attention.resolve({ ...click, outcome, newOrderId: newOrderId as string })
        : await deps.attention.resolve({ ...click, outcome });
    if (refusal) await reply(refuse(refusal));
  });
}
