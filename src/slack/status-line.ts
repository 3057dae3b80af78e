import type { RenewalRecord, RenewalState } from '../renewals/record.ts';
import { passedApproval } from '../renewals/renewal-states.ts';
import { clipMrkdwn, escapeMrkdwn, mention, slackDate } from './mrkdwn.ts';
import { code, renderAttention } from './thread-messages.ts';

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
    record.decidedBy && passedApproval(record)
      ? ` · approved by ${mention(record.decidedBy)}${record.decidedAt ? ` at ${slackDate(record.decidedAt)}` : ''}`
      : '';
  // Text from CAS can be any length: clipped here so the card's status (a context element) stays within Slack's limit.
  return clipMrkdwn(`${lines[record.state]}${decided}`, statusLineMax);
}
