import type { CasClient } from '../cas/client.ts';
import { type InstanceStatus, instanceStatus } from '../renewals/instance-status.ts';
import type { RenewalRecord } from '../renewals/record.ts';
import { orderStatus } from '../renewals/status-report.ts';
import type { RenewalStore } from '../renewals/store.ts';
import { isInstanceId } from './command-parser.ts';
import { threadLink } from './links.ts';
import { code, escapeMrkdwn, slackDate } from './mrkdwn.ts';
import { statusLine } from './status-line.ts';
import { renderOrderStatus } from './status-text.ts';

/** What `/cert status` needs. */
export interface StatusCommandDeps {
  store: RenewalStore;
  cas: CasClient;
  permalinks: (record: RenewalRecord) => Promise<string>;
  /** The channel's account (with an accounts file): only its requests are shown. */
  account?: string | undefined;
}

const when = (ms: number | undefined) => (ms === undefined ? 'unknown' : slackDate(ms, '{date_short}'));

/** The latest rotation request of the subscription and its thread, or how to start one. */
function rotationRequestLine(status: InstanceStatus, threadPermalink: string | undefined): string {
  const { record, instanceId } = status;
  return record
    ? `*Rotation request* for subscription ${code(instanceId)}: ${statusLine(record, status.deployment)}\nThread: ${threadPermalink ?? threadLink(record)}`
    : `No rotation request for subscription ${code(instanceId)} yet. Start one with \`/cert renew ${escapeMrkdwn(instanceId)}\`.`;
}

/**
 * The private answer to `/cert status <instanceId>`: the latest rotation request (its state, a link to its
 * thread), then what CAS says of the subscription and its certificate now.
 */
export function renderInstanceStatus(status: InstanceStatus, threadPermalink?: string): string {
  const request = rotationRequestLine(status, threadPermalink);
  const head = `*V2 subscription* ${code(status.instanceId)}`;
  if (!status.cas.ok) return `${request}\n${head}: could not check (${escapeMrkdwn(status.cas.message)})`;
  const d = status.cas.detail;
  const text = (v: string | undefined) => escapeMrkdwn(v ?? 'unknown');
  const lines = [
    request,
    `${head} · ${text(d.Domain)}: subscription ${text(d.Status)}, ends ${when(d.OrderEndTime)}`,
    d.CertificateId
      ? `Certificate ${code(d.CertificateId)}: ${text(d.CertificateStatus)}, valid ${when(d.CertificateNotBefore)} to ${when(d.CertificateNotAfter)}`
      : 'No certificate issued yet.',
    d.AutoReissue === 'enable' ? 'Hosted: CAS rotates its certificates (auto-managed).' : 'Not hosted.',
  ];
  if (d.PendingResult) lines.push(`CA's last message: ${escapeMrkdwn(d.PendingResult)}`);
  for (const v of d.DomainValidationList)
    lines.push(
      `Validation: ${text(v.ValidationType)} ${code(v.ValidationKey ?? '')} on ${text(v.RootDomain ?? v.Domain)}`,
    );
  return lines.join('\n');
}

/** `/cert status <orderId|instanceId>`: the service's data, rendered here. */
export async function statusText(deps: StatusCommandDeps, id: string): Promise<string> {
  if (isInstanceId(id)) {
    const status = await instanceStatus(deps, id);
    return renderInstanceStatus(status, status.record && (await deps.permalinks(status.record)));
  }
  const status = await orderStatus(deps, id);
  return renderOrderStatus(status, status.record && (await deps.permalinks(status.record)));
}
