import type { KnownBlock } from '@slack/web-api';
import type { EarlierRenewal, PreviousRequest, RenewalRecord } from '../renewals/record.ts';
import { awaitsDecision, phaseOf } from '../renewals/renewal-states.ts';
import { can } from '../renewals/transitions.ts';
import { threadLink } from './links.ts';
import { clipMrkdwn, escapeMrkdwn, mention, slackDate } from './mrkdwn.ts';
import { code } from './thread-messages.ts';

type OurRenewal = Extract<EarlierRenewal, { source: 'ours' }>;

/** Where our earlier renewal stands, in a few words. */
function ourOutcome(r: OurRenewal): string {
  switch (phaseOf(r)) {
    case 'closed_by_person':
      return `closed as renewed${r.resolvedBy ? ` by ${mention(r.resolvedBy)}` : ''}`;
    case 'order_failed':
      return 'the new order then failed';
    case 'waiting_for_person':
      return 'it needs attention';
    case 'renewed':
      return 'issued';
    case 'renewing':
      return 'still in progress';
    default:
      return r.state.replace('_', ' ');
  }
}

/** What the card says first about an earlier renewal of the order (mrkdwn; CAS text escaped here). */
export function earlierRenewalWarning(r: EarlierRenewal): string {
  if (r.source === 'unchecked')
    return `CAS could not be asked whether this order was already renewed (${escapeMrkdwn(r.reason)}). Check the CAS console for a newer order of this domain before approving, or this may renew twice.`;
  if (r.source === 'cas')
    return `*This order looks already renewed:* CAS lists a newer plan order of the same domain, ${code(r.newOrderId)} (${escapeMrkdwn(r.status)}), bought ${slackDate(r.at)}. Approving renews it again and spends another plan unit.`;
  const by = r.decidedBy ? `, approved by ${mention(r.decidedBy)}` : '';
  return `*This order was already renewed* ${slackDate(r.at)} as order ${code(r.newOrderId)}${by} (${ourOutcome(r)}): ${r.permalink ?? threadLink(r)}. Approving renews it again and spends another plan unit.`;
}

/** The same, short enough to open the Approve button's confirm dialog (300 characters in all). */
export function earlierRenewalConfirm(r: EarlierRenewal): string {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  if (r.source === 'unchecked') return ':warning: CAS could not say whether this order was already renewed.';
  return `:warning: Already renewed on ${day(r.at)} as order ${code(r.newOrderId)}: this pays again.`;
}

/** What the approver of a new request must know about the order's previous one. */
function previousWarning(previous: PreviousRequest): string {
  if (can(previous, 'resolved'))
    return `The previous request for this order ended in *needs attention* and nobody closed it (${previous.permalink ?? threadLink(previous)}). Check the CAS console for a new order before approving, or this renews twice.`;
  const outcome =
    previous.resolution === 'renewed'
      ? `renewed (new order ${previous.newOrderId ? code(previous.newOrderId) : 'unknown'})`
      : 'not renewed';
  return `The previous request for this order needed attention (${previous.permalink ?? threadLink(previous)}); ${previous.resolvedBy ? mention(previous.resolvedBy) : 'an approver'} closed it as ${outcome}. Check the CAS console before approving, or this renews twice.`;
}

/**
 * The warnings at the top of a card waiting for approval: an earlier renewal of the order first, then the
 * previous request that needed a person. None once the request was decided.
 */
export function cardWarnings(record: RenewalRecord): KnownBlock[] {
  if (!awaitsDecision(record)) return [];
  const section = (blockId: string, text: string): KnownBlock => ({
    type: 'section',
    block_id: blockId,
    text: { type: 'mrkdwn', text: clipMrkdwn(`:warning: ${text}`, 2900) },
  });
  return [
    ...(record.renewedBefore ? [section('renewed_before', earlierRenewalWarning(record.renewedBefore))] : []),
    ...(record.previous ? [section('warning', previousWarning(record.previous))] : []),
  ];
}
