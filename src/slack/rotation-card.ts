import type { KnownBlock, MrkdwnElement } from '@slack/web-api';
import { lifetimeStanding } from '../alerts/lifetime.ts';
import type { DeploymentRecord } from '../renewals/deployment-record.ts';
import type { RotationFacts } from '../renewals/outcomes.ts';
import type { RenewalRecord } from '../renewals/record.ts';
import { awaitsDecision } from '../renewals/renewal-states.ts';
import { can } from '../renewals/transitions.ts';
import {
  applicationSection,
  approveButton,
  attentionBlocks,
  csrSection,
  otherDecisions,
} from './approval-card.ts';
import { md, plain, type SlackMessage } from './cards.ts';
import { approvalStateBlock, decisionBlock } from './decision-lines.ts';
import { fitMessage } from './message-limits.ts';
import { code, escapeMrkdwn, mention, slackDate } from './mrkdwn.ts';
import { statusLine } from './status-line.ts';

const unknown = '_unknown_';

/** The current certificate: ID, not-after, days and share of its own lifetime left (never from the calendar). */
function certificateField(f: RotationFacts, now: number): MrkdwnElement {
  if (!f.certificateId || f.notAfter === undefined) return md('*Current certificate*\n_none yet_');
  const left =
    f.notBefore === undefined
      ? undefined
      : lifetimeStanding(
          { days: [], lifetimePercent: [] },
          { notBefore: f.notBefore, notAfter: f.notAfter },
          now,
        );
  const standing = left ? ` (${left.daysLeft} days, ${left.percentLeft}% of its lifetime left)` : '';
  return md(
    `*Current certificate*\n${code(f.certificateId)}, not after ${slackDate(f.notAfter, '{date_short}')}${standing}`,
  );
}

/** The card's facts of the instance (CAS text escaped here). */
function instanceFields(
  f: RotationFacts,
  hosted: boolean,
  requestedBy: string,
  now: number,
): MrkdwnElement[] {
  return [
    md(`*V2 subscription*\n${code(f.instanceId)}`),
    md(`*Domain*\n${f.domain ? escapeMrkdwn(f.domain) : unknown}`),
    certificateField(f, now),
    md(`*Subscription ends*\n${f.subscriptionEnd ? slackDate(f.subscriptionEnd, '{date_short}') : unknown}`),
    md(`*Hosted by CAS*\n${hosted ? 'yes (AutoReissue on: CAS rotates it)' : 'no'}`),
    md(`*Certificate quota left (account)*\n${f.quotaLeft !== undefined ? String(f.quotaLeft) : unknown}`),
    md(`*Requested by*\n${mention(requestedBy)}`),
  ];
}

/** The facts a rotation request recorded when it opened. */
const factsOf = (r: RenewalRecord): RotationFacts => ({
  instanceId: r.instanceId ?? r.orderId,
  domain: r.domain,
  certificateId: r.certIdBefore,
  notBefore: r.certNotBefore,
  notAfter: r.certEndTime,
  subscriptionEnd: r.subscriptionEnd,
  quotaLeft: r.quotaRemaining,
});

/** Approve (with what it does, free of quota), Reject and Attach CSR. */
function decisionActions(record: RenewalRecord): KnownBlock {
  const approve = approveButton(
    record,
    'Approve this rotation?',
    `Applies for the next certificate of subscription ${code(record.orderId)}${record.domain ? ` (${escapeMrkdwn(record.domain)})` : ''}: no plan quota is spent. ${record.csrSummary ? "Key: the requester's CSR." : 'Key: CAS generates it; download it from the CAS console.'}`,
  );
  return { type: 'actions', block_id: 'decision', elements: [approve, ...otherDecisions(record)] };
}

/** A rotation request's card, as it should look in its current state (and its deployment's, if any). */
export function renderRotationCard(
  record: RenewalRecord,
  now: number,
  deployment?: DeploymentRecord,
): SlackMessage {
  const blocks: KnownBlock[] = [
    decisionBlock('rotation'),
    { type: 'header', block_id: 'title', text: plain('Certificate rotation request') },
    {
      type: 'section',
      block_id: 'order',
      fields: instanceFields(factsOf(record), false, record.requestedBy, now),
    },
    csrSection(record),
    applicationSection(record, 'once approved, on the same subscription'),
  ];
  // Its approvals so far (an account may ask more than one for rotations) and the time it has left.
  const approvals = approvalStateBlock(record, awaitsDecision(record), now);
  if (approvals) blocks.push(approvals);
  if (awaitsDecision(record)) blocks.push(decisionActions(record));
  if (can(record, 'resolved')) blocks.push(...attentionBlocks(record));
  blocks.push({ type: 'context', block_id: 'status', elements: [md(statusLine(record, deployment))] });
  const text = `Certificate rotation request for subscription ${record.orderId}${record.domain ? ` (${escapeMrkdwn(record.domain)})` : ''}: ${(deployment?.state ?? record.state).replace('_', ' ')}`;
  return fitMessage({ text, blocks });
}

/** The card of a hosted instance (`AutoReissue=enable`): no Approve, CAS rotates it, the bot watches it. */
export function renderHostedCard(facts: RotationFacts, requestedBy: string, now: number): SlackMessage {
  return fitMessage({
    text: `Subscription ${facts.instanceId} is rotated by CAS hosting`,
    blocks: [
      decisionBlock('rotation'),
      { type: 'header', block_id: 'title', text: plain('Certificate rotation request') },
      { type: 'section', block_id: 'order', fields: instanceFields(facts, true, requestedBy, now) },
      {
        type: 'section',
        block_id: 'hosted',
        text: md(
          ':robot_face: *Hosted by CAS*: CAS rotates this certificate by itself before it expires, so there is nothing to approve here. I watch it: the expiry scan says so if hosting has not rotated it in time (no hosting quota left, or DNS not on Alibaba Cloud DNS).',
        ),
      },
    ],
  });
}
