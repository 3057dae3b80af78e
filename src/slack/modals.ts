import type { InputBlock, ModalView } from '@slack/web-api';
import { z } from 'zod';
import type { RenewalRecord } from '../renewals/record.ts';
import { code } from './mrkdwn.ts';

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

const plain = (text: string) => ({ type: 'plain_text' as const, text });

/** A form modal of a card: what it is submitted as, the card it was opened from, an introduction, its inputs. */
function formModal(
  callbackId: string,
  context: ModalContext,
  labels: { title: string; submit: string },
  intro: string,
  inputs: InputBlock[],
): ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: JSON.stringify(context),
    title: plain(labels.title),
    submit: plain(labels.submit),
    close: plain('Cancel'),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: intro } }, ...inputs],
  };
}

/** A text input of a form, read back as its block's `value`. */
function textInput(
  blockId: string,
  label: string,
  limits: { max_length: number; multiline?: boolean },
  optional = false,
): InputBlock {
  return {
    type: 'input',
    block_id: blockId,
    ...(optional ? { optional: true } : {}),
    label: plain(label),
    element: { type: 'plain_text_input', action_id: 'value', ...limits },
  };
}

/** The request a card's modal is about: a rotation names its subscription, a renewal its order. */
export type ModalRequest = Pick<RenewalRecord, 'kind' | 'orderId'>;

/** The optional-reason modal behind Reject. */
export function rejectModal(context: ModalContext, request: ModalRequest): ModalView {
  const rotation = request.kind === 'rotation';
  return formModal(
    callbackIds.reject,
    context,
    { title: rotation ? 'Reject rotation' : 'Reject renewal', submit: 'Reject' },
    rotation
      ? `Reject the rotation of subscription ${code(request.orderId)}?`
      : `Reject the renewal of order \`${request.orderId}\`?`,
    [textInput('reason', 'Reason (shown in the thread)', { multiline: true, max_length: 500 }, true)],
  );
}

/** The Attach CSR modal. */
export function csrModal(context: ModalContext, request: ModalRequest): ModalView {
  return formModal(
    callbackIds.csr,
    context,
    { title: 'Attach CSR', submit: 'Attach' },
    request.kind === 'rotation'
      ? `Paste the PEM certificate request for subscription ${code(request.orderId)}. Never paste a private key.`
      : `Paste the PEM certificate request for order \`${request.orderId}\`. Never paste a private key.`,
    [textInput('csr', 'CSR (-----BEGIN CERTIFICATE REQUEST-----)', { multiline: true, max_length: 3000 })],
  );
}

type Option = { text: { type: 'plain_text'; text: string }; value: string };

/** The Close modal's choice of what the console shows, read back as the `outcome` block's `value`. */
function outcomeInput(options: Option[], initial?: Option): InputBlock {
  return {
    type: 'input',
    block_id: 'outcome',
    label: plain('Outcome'),
    element: {
      type: 'radio_buttons',
      action_id: 'value',
      options,
      ...(initial ? { initial_option: initial } : {}),
    },
  };
}

/** Title of the modals the Close button opens before it knows the request (loading, or why not). */
export const closeTitle = 'Close request';

/**
 * The Close modal of a rotation that needs attention. It has no new order: a new certificate is followed by
 * *Check CAS again*, so the only answer here is that it was not rotated.
 */
function resolveRotationModal(context: ModalContext, instanceId: string): ModalView {
  const notRotated = { text: plain('Not rotated: no new certificate'), value: 'not_renewed' };
  return formModal(
    callbackIds.resolve,
    context,
    { title: 'Close rotation request', submit: 'Close request' },
    `Say what the CAS console shows for subscription ${code(instanceId)}. If it has a new certificate, use *Check CAS again* instead: I follow it from there. Otherwise the request is closed with your answer and the audit trail names you.`,
    [outcomeInput([notRotated], notRotated)],
  );
}

/** The Close modal of a request that needs attention: what the person found in the CAS console. */
export function resolveModal(context: ModalContext, request: ModalRequest): ModalView {
  if (request.kind === 'rotation') return resolveRotationModal(context, request.orderId);
  return formModal(
    callbackIds.resolve,
    context,
    { title: 'Close renewal request', submit: 'Close request' },
    'Say what the CAS console shows for this order. The request is closed with your answer and the audit trail names you.',
    [
      outcomeInput([
        { text: plain('Renewed: there is a new order'), value: 'renewed' },
        { text: plain('Not renewed: no new order'), value: 'not_renewed' },
      ]),
      textInput('new_order', 'New order ID (when renewed)', { max_length: 19 }, true),
    ],
  );
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
