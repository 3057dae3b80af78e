import type { App } from '@slack/bolt';
import type { Decision } from '../../approval/decisions.ts';
import { looksLikePrivateKey, parseCsr } from '../../csr/parse-csr.ts';
import { isAppError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { CardAction } from '../../renewals/outcomes.ts';
import type { RequestService } from '../../renewals/request-service.ts';
import { callbackIds, type ModalContext, modalContextOf } from '../modals.ts';
import { replyPrivately } from '../private-reply.ts';
import { renderRefusal } from '../replies.ts';

/** What the modal submissions need. */
export interface ModalDeps {
  service: RequestService;
  /** Names the approvers in a refusal (mentions). */
  approvers: (decision?: Decision, account?: string) => string;
  logger: Logger;
}

/** Reject-reason and Attach-CSR submissions. */
export function registerModalSubmissions(app: App, deps: ModalDeps): void {
  app.view(callbackIds.reject, async ({ ack, body, view, client }) => {
    const reason = view.state.values.reason?.value?.value ?? undefined;
    if (reason && looksLikePrivateKey(reason)) {
      // Refused like a key pasted as a CSR: never stored in the audit, never posted in the thread.
      await ack({
        response_action: 'errors',
        errors: {
          reason:
            'That contains a private key: it was not kept. Treat it as exposed and remove it from here.',
        },
      });
      return;
    }
    await ack();
    const context = modalContextOf(view.private_metadata);
    if (!context) return;
    const action = cardAction(context, body.user.id);
    const refusal = await deps.service.reject({ ...action, reason: reason ?? undefined });
    if (refusal) await replyPrivately(client, action, renderRefusal(refusal, 'reject', deps.approvers));
  });

  app.view(callbackIds.csr, async ({ ack, body, view, client }) => {
    const context = modalContextOf(view.private_metadata);
    const text = view.state.values.csr?.value?.value ?? '';
    const parsed = await parseCsr(text).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    if ('error' in parsed) {
      if (!isAppError(parsed.error)) throw parsed.error;
      // Shown under the input; Slack keeps the modal open for a fix.
      await ack({ response_action: 'errors', errors: { csr: parsed.error.message.slice(0, 300) } });
      return;
    }
    await ack();
    if (!context) return;
    const action = cardAction(context, body.user.id);
    const refusal = await deps.service.attachCsr({ ...action, csr: parsed.value });
    if (refusal) await replyPrivately(client, action, renderRefusal(refusal, 'attach', deps.approvers));
  });
}

/** The card a submitted modal was opened from, acted on by the person who submitted it. */
function cardAction(context: ModalContext, userId: string): CardAction {
  const { channelId, messageTs, recordId, version } = context;
  return { channelId, messageTs, claim: { id: recordId, version }, userId };
}
