import type { DeploymentRecord, DeployState } from '../renewals/deployment-record.ts';
import type { RenewalRecord, RenewalState } from '../renewals/record.ts';
import { passedApproval } from '../renewals/renewal-states.ts';
import { clipMrkdwn, escapeMrkdwn, mention, slackDate } from './mrkdwn.ts';
import { code, renderAttention } from './thread-messages.ts';

function deployedSummary(record: DeploymentRecord): string {
  const results = record.results;
  if (!results) return '';
  const ok = results.filter((r) => r.status === 'success').length;
  return ` · ${ok} of ${results.length} resources`;
}

function tlsSummary(record: DeploymentRecord): string {
  const tls = record.tlsResults;
  if (!tls || tls.length === 0) return deployedSummary(record);
  return ` · serving the new certificate on ${tls.filter((t) => t.outcome === 'new').length} of ${tls.length} endpoints`;
}

/** Longest status line, characters: a context element takes 3,000, and the thread has the full text. */
export const statusLineMax = 1_000;

/** Where an issued request's deployment stands (the request's own state ended at `issued`). */
function deployLine(deployment: DeploymentRecord, newOrder: string): string {
  const lines: Record<DeployState, string> = {
    deploy_requested: `:white_check_mark: Issued${newOrder} · deployment proposed in the thread`,
    deploy_approved: `:white_check_mark: Issued${newOrder} · deployment approved${deployment.decidedBy ? ` by ${mention(deployment.decidedBy)}` : ''}, queued`,
    deploy_creating: `:rocket: Issued${newOrder} · creating the deployment job`,
    deploying: `:rocket: Issued${newOrder} · deploying${deployment.jobId ? ` (job ${code(deployment.jobId)})` : ''}`,
    verifying: `:rocket: Deployed${newOrder} · checking what the endpoints serve`,
    deployed: deployment.tlsResults
      ? `:warning: Deployed${newOrder}${tlsSummary(deployment)}`
      : `:rocket: Deployed${newOrder}${deployedSummary(deployment)}`,
    verified: `:white_check_mark: Deployed and checked${newOrder}${tlsSummary(deployment)}`,
    rolling_back: `:leftwards_arrow_with_hook: Rolling back a resource${newOrder}`,
    not_deployed: `:warning: Issued${newOrder} · not deployed: no deployment job was created (see the thread)`,
    skipped: `:white_check_mark: Issued${newOrder} · deployment skipped${deployment.decidedBy ? ` by ${mention(deployment.decidedBy)}` : ''}`,
  };
  return lines[deployment.state];
}

/**
 * One line saying where a request stands (and, once issued, its deployment, if it has one), for the cards and
 * `/cert status`; at most {@link statusLineMax}.
 */
export function statusLine(record: RenewalRecord, deployment?: DeploymentRecord): string {
  const rotation = record.kind === 'rotation';
  // A rotation names its new certificate where a renewal names its new order.
  const newOrder = rotation
    ? record.newCertId
      ? ` (new certificate \`${record.newCertId}\`)`
      : ''
    : record.newOrderId
      ? ` (new order \`${record.newOrderId}\`)`
      : '';
  const lines: Record<RenewalState, string> = {
    requested: `:hourglass_flowing_sand: Waiting for approval · expires ${slackDate(record.expiresAt)}`,
    approved: ':inbox_tray: Approved · queued for renewal',
    submitting: ':arrows_counterclockwise: Renewing in CAS…',
    submitted: `:arrows_counterclockwise: ${rotation ? 'Rotation approved' : 'Renewal submitted'}${newOrder} · ${record.applyMode === 'manual' || !record.application ? 'waiting for the application in the CAS console' : 'submitting the application'}`,
    applying: `:arrows_counterclockwise: Application ${record.appliedAt ? 'submitted' : 'being submitted'}${newOrder} · waiting for CAS`,
    validating: `:mag: Waiting for domain validation${newOrder}`,
    reviewing: `:mag: Under CA review${newOrder}`,
    issued: `:white_check_mark: Issued${newOrder}`,
    failed: `:x: Failed${record.detail ? `: ${escapeMrkdwn(record.detail)}` : ''}`,
    needs_attention: `:warning: Needs attention${record.attention ? `: ${renderAttention(record.attention)}` : ''}`,
    rejected: `:no_entry_sign: Rejected${record.decidedBy ? ` by ${mention(record.decidedBy)}` : ''}${record.decidedAt ? ` at ${slackDate(record.decidedAt)}` : ''}${record.reason ? `: ${escapeMrkdwn(record.reason)}` : ''}`,
    expired: ':zzz: Expired without a decision; run `/cert renew` again if it is still needed',
    cancelled: `:heavy_multiplication_x: Cancelled${record.reason ? `: ${escapeMrkdwn(record.reason)}` : ''}`,
    resolved: `:ballot_box_with_check: Closed${record.resolvedBy ? ` by ${mention(record.resolvedBy)}` : ''}${record.resolvedAt ? ` at ${slackDate(record.resolvedAt)}` : ''}: ${record.resolution === 'renewed' ? `${rotation ? 'rotated' : 'renewed'} in the CAS console${newOrder}` : rotation ? 'not rotated' : 'not renewed'}`,
  };
  const decided =
    record.decidedBy && passedApproval(record)
      ? ` · approved by ${mention(record.decidedBy)}${record.decidedAt ? ` at ${slackDate(record.decidedAt)}` : ''}`
      : '';
  // Text from CAS can be any length: clipped here so the card's status (a context element) stays within Slack's limit.
  const line = deployment ? deployLine(deployment, newOrder) : lines[record.state];
  return clipMrkdwn(`${line}${decided}`, statusLineMax);
}
