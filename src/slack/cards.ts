import type { Button, KnownBlock, MrkdwnElement, PlainTextElement } from '@slack/web-api';
import { canRecheckTls, canRollBack, type DeployResult } from '../renewals/deployment.ts';
import type { CardClaim } from '../renewals/outcomes.ts';
import type { RenewalRecord, RenewalState } from '../renewals/record.ts';
import { cardWarnings, earlierRenewalConfirm } from './card-warnings.ts';
import { fitMessage, foldBlocks, foldLines } from './message-limits.ts';
import { clipMrkdwn, daysLeft, escapeMrkdwn, mention, slackDate } from './mrkdwn.ts';
import { code, renderAttention, resourceName } from './thread-messages.ts';

/** Stable action IDs (part of the contract). */
export const actionIds = {
  approve: 'cert_approve',
  reject: 'cert_reject',
  renew: 'cert_renew',
  attachCsr: 'cert_attach_csr',
  recheck: 'cert_recheck',
  resolve: 'cert_resolve',
  deploy: 'cert_deploy',
  deploySkip: 'cert_deploy_skip',
  rollback: 'cert_rollback',
  tlsRecheck: 'cert_tls_recheck',
} as const;

/** A card button's value: the request and the version shown, so a decision applies only to what was seen. */
export function cardValue(record: Pick<RenewalRecord, 'id' | 'version'>): string {
  return `${record.id}.${record.version}`;
}

/** Reads a card button's value; undefined unless it names a request and a version (never trusted further). */
export function parseCardValue(value: string | undefined): CardClaim | undefined {
  const match = /^([A-Za-z0-9]{1,64})\.([0-9]{1,9})$/.exec(value ?? '');
  return match ? { id: match[1] as string, version: Number(match[2]) } : undefined;
}

/** A Block Kit message: top-level `text` is always set (notifications, screen readers, fallback). */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const plain = (text: string): PlainTextElement => ({ type: 'plain_text', text, emoji: true });
const md = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text });

function deployedSummary(record: RenewalRecord): string {
  const results = record.deployResults;
  if (!results) return '';
  const ok = results.filter((r) => r.status === 'success').length;
  return ` · ${ok} of ${results.length} resources`;
}

function tlsSummary(record: RenewalRecord): string {
  const tls = record.tlsResults;
  if (!tls || tls.length === 0) return deployedSummary(record);
  return ` · serving the new certificate on ${tls.filter((t) => t.outcome === 'new').length} of ${tls.length} endpoints`;
}

/** Longest status line, characters: a context element takes 3,000, and the thread has the full text. */
export const statusLineMax = 1_000;

/** One line saying where a request stands, for the card and `/cert status`; at most {@link statusLineMax}. */
export function statusLine(record: RenewalRecord): string {
  const newOrder = record.newOrderId ? ` (new order \`${record.newOrderId}\`)` : '';
  const lines: Record<RenewalState, string> = {
    requested: `:hourglass_flowing_sand: Waiting for approval · expires ${slackDate(record.expiresAt)}`,
    approved: ':inbox_tray: Approved · queued for renewal',
    submitting: ':arrows_counterclockwise: Renewing in CAS…',
    submitted: `:arrows_counterclockwise: Renewal submitted${newOrder} · ${record.applyMode === 'manual' || !record.application ? 'waiting for the application in the CAS console' : 'submitting the application'}`,
    applying: `:arrows_counterclockwise: Application ${record.appliedAt ? 'submitted' : 'being submitted'}${newOrder} · waiting for CAS`,
    validating: `:mag: Waiting for domain validation${newOrder}`,
    reviewing: `:mag: Under CA review${newOrder}`,
    issued: `:white_check_mark: Issued${newOrder}${record.deployDecidedBy ? ` · deployment skipped by ${mention(record.deployDecidedBy)}` : ''}`,
    deploy_requested: `:white_check_mark: Issued${newOrder} · deployment proposed in the thread`,
    deploy_approved: `:white_check_mark: Issued${newOrder} · deployment approved${record.deployDecidedBy ? ` by ${mention(record.deployDecidedBy)}` : ''}, queued`,
    deploy_creating: `:rocket: Issued${newOrder} · creating the deployment job`,
    deploying: `:rocket: Issued${newOrder} · deploying${record.deployJobId ? ` (job ${code(record.deployJobId)})` : ''}`,
    verifying: `:rocket: Deployed${newOrder} · checking what the endpoints serve`,
    deployed: record.tlsResults
      ? `:warning: Deployed${newOrder}${tlsSummary(record)}`
      : `:rocket: Deployed${newOrder}${deployedSummary(record)}`,
    verified: `:white_check_mark: Deployed and checked${newOrder}${tlsSummary(record)}`,
    rolling_back: `:leftwards_arrow_with_hook: Rolling back a resource${newOrder}`,
    not_deployed: `:warning: Issued${newOrder} · not deployed: no deployment job was created (see the thread)`,
    failed: `:x: Failed${record.detail ? `: ${escapeMrkdwn(record.detail)}` : ''}`,
    needs_attention: `:warning: Needs attention${record.attention ? `: ${renderAttention(record.attention)}` : ''}`,
    rejected: `:no_entry_sign: Rejected${record.decidedBy ? ` by ${mention(record.decidedBy)}` : ''}${record.decidedAt ? ` at ${slackDate(record.decidedAt)}` : ''}${record.reason ? `: ${escapeMrkdwn(record.reason)}` : ''}`,
    expired: ':zzz: Expired without a decision; run `/cert renew` again if it is still needed',
    cancelled: `:heavy_multiplication_x: Cancelled${record.reason ? `: ${escapeMrkdwn(record.reason)}` : ''}`,
    resolved: `:ballot_box_with_check: Closed${record.resolvedBy ? ` by ${mention(record.resolvedBy)}` : ''}${record.resolvedAt ? ` at ${slackDate(record.resolvedAt)}` : ''}: ${record.resolution === 'renewed' ? `renewed in the CAS console${newOrder}` : 'not renewed'}`,
  };
  const decided =
    record.decidedBy && record.state !== 'rejected' && record.state !== 'requested'
      ? ` · approved by ${mention(record.decidedBy)}${record.decidedAt ? ` at ${slackDate(record.decidedAt)}` : ''}`
      : '';
  // Text from CAS can be any length: clipped here so the card's status (a context element) stays within Slack's limit.
  return clipMrkdwn(`${lines[record.state]}${decided}`, statusLineMax);
}

function orderFields(record: RenewalRecord, now: number): MrkdwnElement[] {
  const fields = [
    md(`*Order*\n\`${record.orderId}\``),
    md(`*Domain*\n${record.domain ? escapeMrkdwn(record.domain) : '_unknown_'}`),
    md(
      `*Expires*\n${record.certEndTime ? `${slackDate(record.certEndTime, '{date_short}')} (${daysLeft(record.certEndTime, now)} days)` : '_unknown_'}`,
    ),
    md(`*Product*\n${record.productName ? escapeMrkdwn(record.productName) : '_unknown_'}`),
    md(
      `*Plan quota left*\n${record.quotaRemaining !== undefined ? String(record.quotaRemaining) : '_unknown_'}`,
    ),
    md(`*Requested by*\n${mention(record.requestedBy)}`),
  ];
  return fields;
}

function csrSection(record: RenewalRecord): KnownBlock {
  const s = record.csrSummary;
  if (!s) {
    return {
      type: 'section',
      block_id: 'csr',
      text: md('*CSR*: none. CAS will generate the key pair; its private key is never posted here.'),
    };
  }
  const sans = s.sans.length > 0 ? s.sans.map(escapeMrkdwn).join(', ') : '_none_';
  const mismatch =
    record.domain && s.commonName !== record.domain && !s.sans.includes(record.domain)
      ? `\n:warning: The CSR does not name the order's domain (${escapeMrkdwn(record.domain)}); CAS may refuse it.`
      : '';
  return {
    type: 'section',
    block_id: 'csr',
    text: md(
      clipMrkdwn(
        `*CSR*: CN ${escapeMrkdwn(s.commonName)} · SANs ${sans} · ${escapeMrkdwn(s.key)}${mismatch}`,
        2900,
      ),
    ),
  };
}

/** What is applied for the new order, as the approver approves it (or that a person applies in the console). */
function applicationSection(record: RenewalRecord): KnownBlock {
  const a = record.application;
  if (!a) {
    return {
      type: 'section',
      block_id: 'application',
      text: md(
        '*Application*: submitted by a person in the CAS console after the renewal (`CERT_APPLY=manual`); the thread will say how.',
      ),
    };
  }
  const key = record.csrSummary
    ? "the requester's CSR"
    : `generated by CAS (${escapeMrkdwn(a.keyAlgorithm)})`;
  const contacts = a.contactIds
    .map((id, i) => {
      const name = a.contactNames?.[i];
      return name ? `${escapeMrkdwn(name)} (${code(id)})` : code(id);
    })
    .join(', ');
  return {
    type: 'section',
    block_id: 'application',
    text: md(
      clipMrkdwn(
        `*Application* (submitted by the bot after the renewal): ${a.domain ? escapeMrkdwn(a.domain) : "the CSR's names"} · ${a.validationMethod} validation · key ${key} · contacts ${contacts}${a.companyId ? ` · company ${code(a.companyId)}` : ''}`,
        2900,
      ),
    ),
  };
}

/** Who will hold the private key, for the approver's confirm dialog. */
function keyHolder(record: RenewalRecord): string {
  return record.csrSummary
    ? `Key: the requester's CSR (CN ${escapeMrkdwn(record.csrSummary.commonName)}); ${mention(record.requestedBy)} holds the private key.`
    : 'Key: CAS generates the key pair; its private key is downloaded from the CAS console.';
}

/** The approval card for a request, as it should look in its current state. */
export function renderApprovalCard(record: RenewalRecord, now: number): SlackMessage {
  // An earlier renewal of the order comes first: approving would pay a second time.
  const blocks: KnownBlock[] = [
    ...cardWarnings(record),
    { type: 'header', block_id: 'title', text: plain('Certificate renewal request') },
    { type: 'section', block_id: 'order', fields: orderFields(record, now) },
    csrSection(record),
    applicationSection(record),
  ];
  if (record.state === 'requested') {
    const elements: Button[] = [
      {
        type: 'button',
        action_id: actionIds.approve,
        style: 'primary',
        text: plain('Approve'),
        value: cardValue(record),
        confirm: {
          title: plain('Approve this renewal?'),
          text: md(
            clipMrkdwn(
              `${record.renewedBefore ? `${earlierRenewalConfirm(record.renewedBefore)} ` : ''}Renews order \`${record.orderId}\`${record.domain ? ` (${escapeMrkdwn(record.domain)})` : ''} and spends one certificate of the plan quota${record.application ? `, then applies with ${record.application.validationMethod} validation` : ''}. ${keyHolder(record)}`,
              300,
            ),
          ),
          confirm: plain('Approve'),
          deny: plain('Cancel'),
        },
      },
      {
        type: 'button',
        action_id: actionIds.reject,
        style: 'danger',
        text: plain('Reject'),
        value: cardValue(record),
      },
    ];
    if (!record.csrSummary) {
      elements.push({
        type: 'button',
        action_id: actionIds.attachCsr,
        text: plain('Attach CSR'),
        value: cardValue(record),
      });
    }
    blocks.push({ type: 'actions', block_id: 'decision', elements });
  }
  if (record.state === 'needs_attention') {
    blocks.push({
      type: 'section',
      block_id: 'attention',
      text: md(
        '*A person must decide.* Check the order in the CAS console, then *Check CAS again* to let me look once more, or *Close* with what you found. Until then a new `/cert renew` of this order may open, and its expiry alerts go on.',
      ),
    });
    blocks.push({
      type: 'actions',
      block_id: 'attention_actions',
      elements: [
        {
          type: 'button',
          action_id: actionIds.recheck,
          text: plain('Check CAS again'),
          value: cardValue(record),
        },
        { type: 'button', action_id: actionIds.resolve, text: plain('Close…'), value: cardValue(record) },
      ],
    });
  }
  blocks.push({ type: 'context', block_id: 'status', elements: [md(statusLine(record))] });
  // The fallback text is shown in notifications and parsed like mrkdwn: a domain from CAS is escaped here too.
  const warned = record.renewedBefore && record.state === 'requested' ? ' · :warning: renewed before' : '';
  const text = `Certificate renewal request for order ${record.orderId}${record.domain ? ` (${escapeMrkdwn(record.domain)})` : ''}: ${record.state.replace('_', ' ')}${warned}`;
  return fitMessage({ text, blocks });
}

/** The card posted when CAS says an order cannot be renewed now: it says why and offers no Approve. */
export function renderNotRenewableCard(input: {
  orderId: string;
  requestedBy: string;
  reason: string;
  domain?: string | undefined;
}): SlackMessage {
  const subject = `order \`${input.orderId}\`${input.domain ? ` (${escapeMrkdwn(input.domain)})` : ''}`;
  return {
    text: `Order ${input.orderId} cannot be renewed now`,
    blocks: [
      { type: 'header', block_id: 'title', text: plain('Certificate renewal request') },
      {
        type: 'section',
        block_id: 'reason',
        text: md(
          clipMrkdwn(
            `:no_entry: ${mention(input.requestedBy)} asked to renew ${subject}, but it cannot be renewed now.\n${input.reason}`,
            2900,
          ),
        ),
      },
    ],
  };
}

/**
 * The deployment card in the thread: where the old certificate is served, and Deploy / Skip while a person must
 * decide; after the job, each resource's outcome, with Roll back on a failed one.
 */
export function renderDeployCard(record: RenewalRecord): SlackMessage {
  const resources = record.deployResources ?? [];
  const results = record.deployResults;
  const n = resources.length;
  const blocks: KnownBlock[] = [
    { type: 'header', block_id: 'deploy_title', text: plain('Install the new certificate') },
    {
      type: 'section',
      block_id: 'deploy_where',
      text: md(
        foldLines({
          head: [
            `The old certificate${record.oldCertId ? ` (${code(record.oldCertId)})` : ''} is served by ${n} resource${n === 1 ? '' : 's'}. Deploying puts the new certificate${record.newCertId ? ` (${code(record.newCertId)})` : ''} on ${n === 1 ? 'it' : 'all of them'} with one CAS deployment job, then checks over TLS what the endpoints serve.`,
          ],
          items: resources.map((r) => `• ${resourceName(r)}`),
          tail: [],
          more: (hidden) => `• …and ${hidden} more`,
          max: 2000,
        }),
      ),
    },
  ];
  if (record.state === 'deploy_requested') {
    blocks.push({
      type: 'actions',
      block_id: 'deploy_decision',
      elements: [
        {
          type: 'button',
          action_id: actionIds.deploy,
          style: 'primary',
          text: plain(`Deploy to ${n} resource${n === 1 ? '' : 's'}`),
          value: cardValue(record),
          confirm: {
            title: plain('Deploy the new certificate?'),
            text: md(
              clipMrkdwn(
                `Replaces the certificate on ${n} resource${n === 1 ? '' : 's'}${record.domain ? ` of ${escapeMrkdwn(record.domain)}` : ''}. A failed resource can be rolled back.`,
                300,
              ),
            ),
            confirm: plain('Deploy'),
            deny: plain('Cancel'),
          },
        },
        { type: 'button', action_id: actionIds.deploySkip, text: plain('Skip'), value: cardValue(record) },
      ],
    });
  }
  // Resources that can be rolled back first, then failed ones; what does not fit in one message is counted.
  const rank = (r: DeployResult) =>
    canRollBack(record, r) ? 0 : r.status === 'success' || r.status === 'rollback_success' ? 2 : 1;
  const sorted = [...(results ?? [])].sort((a, b) => rank(a) - rank(b));
  const tail: KnownBlock[] = [];
  if (record.deployJobId && results?.some((r) => r.status !== 'success' && r.status !== 'rollback_success')) {
    tail.push({
      type: 'context',
      block_id: 'deploy_reason',
      elements: [
        md(
          `CAS does not give the reason of a failed resource through its API: open job ${code(record.deployJobId)} in the CAS console → Deployment to read it.`,
        ),
      ],
    });
  }
  if (canRecheckTls(record)) {
    tail.push({
      type: 'actions',
      block_id: 'tls_recheck',
      elements: [
        {
          type: 'button',
          action_id: actionIds.tlsRecheck,
          text: plain('Check again'),
          value: cardValue(record),
        },
      ],
    });
  }
  tail.push({ type: 'context', block_id: 'deploy_status', elements: [md(statusLine(record))] });
  const folded = foldBlocks({
    head: blocks,
    items: sorted.map((r) => resultBlock(record, r)),
    tail,
    more: (hidden) => ({
      type: 'context',
      block_id: 'deploy_more',
      elements: [md(`…and ${hidden} more resources; the thread lists every outcome.`)],
    }),
  });
  return fitMessage({
    text: `Install the new certificate on ${n} resource${n === 1 ? '' : 's'}`,
    blocks: folded,
  });
}

/** One resource's outcome on the deployment card, with Roll back where {@link canRollBack} allows it. */
function resultBlock(record: RenewalRecord, r: DeployResult): KnownBlock {
  const rollbackable = canRollBack(record, r);
  const icon =
    r.status === 'success'
      ? rollbackable
        ? ':warning:'
        : ':white_check_mark:'
      : r.status === 'rollback_success'
        ? ':leftwards_arrow_with_hook:'
        : ':x:';
  const note =
    rollbackable && r.status === 'success' ? ' · the TLS check did not find the new certificate' : '';
  return {
    type: 'section',
    block_id: `result_${r.workerId}`,
    // Short enough that several failed resources fit in one message beside their Roll back buttons.
    text: md(clipMrkdwn(`${icon} ${resourceName(r)}: *${escapeMrkdwn(r.status)}*${note}`, 500)),
    ...(rollbackable
      ? {
          accessory: {
            type: 'button',
            action_id: actionIds.rollback,
            text: plain('Roll back'),
            value: cardValue(record),
            confirm: {
              title: plain('Roll back this resource?'),
              text: md(clipMrkdwn(`Puts the previous certificate back on ${resourceName(r)}.`, 300)),
              confirm: plain('Roll back'),
              deny: plain('Cancel'),
            },
          },
        }
      : {}),
  } as KnownBlock;
}
