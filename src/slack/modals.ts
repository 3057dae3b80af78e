import type { ModalView } from '@slack/web-api';
import { z } from 'zod';

/** Callback IDs of the modals. */
export const callbackIds = {
  reject: 'cert_reject_modal',
  csr: 'cert_csr_modal',
  resolve: 'cert_resolve_modal',
} as const;

/** What a modal remembers of its card. Not trusted on submission: the record must still match the card. */
export const ModalContext = z.object({
  recordId: z.string(),
  /** The version of the request on the card the modal was opened from. */
  version: z.number().int(),
  channelId: z.string(),
  messageTs: z.string(),
});
export type ModalContext = z.infer<typeof ModalContext>;

/** The card a submitted modal was opened from, or undefined when its metadata is not ours (tampered, stale). */
export function modalContextOf(privateMetadata: string): ModalContext | undefined {
  try {
    const parsed = ModalContext.safeParse(JSON.parse(privateMetadata));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The optional-reason modal behind Reject. */
export function rejectModal(context: ModalContext, orderId: string): ModalView {
  return {
    type: 'modal',
    callback_id: callbackIds.reject,
    private_metadata: JSON.stringify(context),
    title: { type: 'plain_text', text: 'Reject renewal' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `Reject the renewal of order \`${orderId}\`?` } },
      {
        type: 'input',
        block_id: 'reason',
        optional: true,
        label: { type: 'plain_text', text: 'Reason (shown in the thread)' },
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 500 },
      },
    ],
  };
}

/** The Attach CSR modal. */
export function csrModal(context: ModalContext, orderId: string): ModalView {
  return {
    type: 'modal',
    callback_id: callbackIds.csr,
    private_metadata: JSON.stringify(context),
    title: { type: 'plain_text', text: 'Attach CSR' },
    submit: { type: 'plain_text', text: 'Attach' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Paste the PEM certificate request for order \`${orderId}\`. Never paste a private key.`,
        },
      },
      {
        type: 'input',
        block_id: 'csr',
        label: { type: 'plain_text', text: 'CSR (-----BEGIN CERTIFICATE REQUEST-----)' },
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 3000 },
      },
    ],
  };
}

/** The Close modal of a request that needs attention: what the person found in the CAS console. */
export function resolveModal(context: ModalContext): ModalView {
  return {
    type: 'modal',
    callback_id: callbackIds.resolve,
    private_metadata: JSON.stringify(context),
    title: { type: 'plain_text', text: 'Close renewal request' },
    submit: { type: 'plain_text', text: 'Close request' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'Say what the CAS console shows for this order. The request is closed with your answer and the audit trail names you.',
        },
      },
      {
        type: 'input',
        block_id: 'outcome',
        label: { type: 'plain_text', text: 'Outcome' },
        element: {
          type: 'radio_buttons',
          action_id: 'value',
          options: [
            { text: { type: 'plain_text', text: 'Renewed: there is a new order' }, value: 'renewed' },
            { text: { type: 'plain_text', text: 'Not renewed: no new order' }, value: 'not_renewed' },
          ],
        },
      },
      {
        type: 'input',
        block_id: 'new_order',
        optional: true,
        label: { type: 'plain_text', text: 'New order ID (when renewed)' },
        element: { type: 'plain_text_input', action_id: 'value', max_length: 19 },
      },
    ],
  };
}

/** Opened the moment a button is clicked (a `trigger_id` lasts ~3 s); filled in with views.update after checks. */
export function loadingModal(title: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: title },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: ':hourglass_flowing_sand: One moment…' } }],
  };
}

/** What a modal shows instead when the person may not do this (mrkdwn, already rendered and escaped). */
export function noticeModal(title: string, text: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: title },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}
