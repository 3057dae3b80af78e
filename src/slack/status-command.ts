import type { CasClient } from '../cas/client.ts';
import { type InstanceStatus, instanceStatus } from '../renewals/instance-status.ts';
import type { RenewalRecord } from '../renewals/record.ts';
import { orderStatus } from '../renewals/status-report.ts';
import type { RenewalStore } from '../renewals/store.ts';
import { isInstanceId } from './command-parser.ts';
import { code, escapeMrkdwn, slackDate } from './mrkdwn.ts';
import { renderOrderStatus } from './status-text.ts';

/** What `/cert status` needs. */
export interface StatusCommandDeps {
  store: RenewalStore;
  cas: CasClient;
  permalinks: (record: RenewalRecord) => Promise<string>;
}

const when = (ms: number | undefined) => (ms === undefined ? 'unknown' : slackDate(ms, '{date_short}'));

/** The private answer to `/cert status <instanceId>`: what CAS says of the subscription and its certificate now. */
export function renderInstanceStatus(status: InstanceStatus): string {
  const head = `*V2 subscription* ${code(status.instanceId)}`;
  if (!status.cas.ok) return `${head}: could not check (${escapeMrkdwn(status.cas.message)})`;
  const d = status.cas.detail;
  const text = (v: string | undefined) => escapeMrkdwn(v ?? 'unknown');
  const lines = [
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
  lines.push('Rotating it from Slack comes in a later version of the bot.');
  return lines.join('\n');
}

/** `/cert status <orderId|instanceId>`: the service's data, rendered here. */
export async function statusText(deps: StatusCommandDeps, id: string): Promise<string> {
  if (isInstanceId(id)) return renderInstanceStatus(await instanceStatus({ cas: deps.cas }, id));
  const status = await orderStatus({ store: deps.store, cas: deps.cas }, id);
  return renderOrderStatus(status, status.record && (await deps.permalinks(status.record)));
}
