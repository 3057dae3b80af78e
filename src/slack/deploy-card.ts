import type { KnownBlock } from '@slack/web-api';
import { canDeploy } from '../renewals/deploy-transitions.ts';
import { canRecheckTls, canRollBack, type DeployResult } from '../renewals/deployment.ts';
import type { DeploymentRecord } from '../renewals/deployment-record.ts';
import type { RenewalRecord } from '../renewals/record.ts';
import { actionIds, cardValue, md, plain, type SlackMessage } from './cards.ts';
import { decisionBlock } from './decision-lines.ts';
import { fitMessage, foldBlocks, foldLines } from './message-limits.ts';
import { clipMrkdwn, escapeMrkdwn } from './mrkdwn.ts';
import { statusLine } from './status-line.ts';
import { code, resourceName } from './thread-messages.ts';

/** What the card's buttons claim: the request, at the version of its deployment the person saw. */
const claimOf = (d: DeploymentRecord) => ({ id: d.requestId, version: d.version });

/** Deploy (with its confirm) and Skip, while a person must decide. */
function deployDecision(record: DeploymentRecord, n: number): KnownBlock {
  return {
    type: 'actions',
    block_id: 'deploy_decision',
    elements: [
      {
        type: 'button',
        action_id: actionIds.deploy,
        style: 'primary',
        text: plain(`Deploy to ${n} resource${n === 1 ? '' : 's'}`),
        value: cardValue(claimOf(record)),
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
      {
        type: 'button',
        action_id: actionIds.deploySkip,
        text: plain('Skip'),
        value: cardValue(claimOf(record)),
      },
    ],
  };
}

/** Below the outcomes: where to read why a resource failed, Check again, and the status line. */
function deployTail(request: RenewalRecord, record: DeploymentRecord): KnownBlock[] {
  const results = record.results;
  const tail: KnownBlock[] = [];
  if (record.jobId && results?.some((r) => r.status !== 'success' && r.status !== 'rollback_success')) {
    tail.push({
      type: 'context',
      block_id: 'deploy_reason',
      elements: [
        md(
          `CAS does not give the reason of a failed resource through its API: open job ${code(record.jobId)} in the CAS console → Deployment to read it.`,
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
          value: cardValue(claimOf(record)),
        },
      ],
    });
  }
  tail.push({ type: 'context', block_id: 'deploy_status', elements: [md(statusLine(request, record))] });
  return tail;
}

/**
 * The deployment card in the thread: where the old certificate is served, and Deploy / Skip while a person must
 * decide; after the job, each resource's outcome, with Roll back on a failed one.
 */
export function renderDeployCard(request: RenewalRecord, record: DeploymentRecord): SlackMessage {
  const resources = record.resources ?? [];
  const results = record.results;
  const n = resources.length;
  const blocks: KnownBlock[] = [
    decisionBlock('deployment'),
    { type: 'header', block_id: 'deploy_title', text: plain('Install the new certificate') },
    {
      type: 'section',
      block_id: 'deploy_where',
      text: md(
        foldLines({
          head: [
            `The old certificate (${code(record.oldCertId)}) is served by ${n} resource${n === 1 ? '' : 's'}. Deploying puts the new certificate (${code(record.newCertId)}) on ${n === 1 ? 'it' : 'all of them'} with one CAS deployment job, then checks over TLS what the endpoints serve.`,
          ],
          items: resources.map((r) => `• ${resourceName(r)}`),
          tail: [],
          more: (hidden) => `• …and ${hidden} more`,
          max: 2000,
        }),
      ),
    },
  ];
  if (canDeploy(record, 'deploy_approved')) blocks.push(deployDecision(record, n));
  // Resources that can be rolled back first, then failed ones; what does not fit in one message is counted.
  const rank = (r: DeployResult) =>
    canRollBack(record, r) ? 0 : r.status === 'success' || r.status === 'rollback_success' ? 2 : 1;
  const sorted = [...(results ?? [])].sort((a, b) => rank(a) - rank(b));
  const tail = deployTail(request, record);
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
function resultBlock(record: DeploymentRecord, r: DeployResult): KnownBlock {
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
            value: cardValue(claimOf(record)),
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
