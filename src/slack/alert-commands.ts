import { AccountScansFailed } from '../accounts/account-alerts.ts';
import { type AlertService, type ScanSummary, scanFailureReason } from '../alerts/alert-service.ts';
import { listOrdersAndInstances } from '../alerts/expiring-instances.ts';
import type { LifetimeThresholds } from '../alerts/lifetime.ts';
import type { ApproverDirectory } from '../approval/approvers.ts';
import type { CasClient } from '../cas/client.ts';
import { code, escapeMrkdwn, slackDate } from './mrkdwn.ts';

const maxListed = 40;

/** `/cert list`: V1 plan orders and V2 subscriptions within their alert thresholds, soonest first, each with its kind. */
export async function expiringListText(
  cas: CasClient,
  options: { now: number; thresholds: LifetimeThresholds },
): Promise<string> {
  const maxDays = options.thresholds.days[0] ?? 30;
  const { orders, findings: v2 } = await listOrdersAndInstances(cas, { ...options, maxDays });
  const { expiring } = orders;
  const rows = [
    ...expiring.map((o) => ({
      end: o.certEndTime,
      text: `• V1 plan order ${code(o.orderId)} · ${escapeMrkdwn(o.domain || 'unknown domain')} · ${slackDate(o.certEndTime, '{date_short}')} (${o.daysLeft} days) · ${escapeMrkdwn(o.productName)}`,
    })),
    ...v2.certificates.map((c) => ({
      end: c.notAfter,
      text: `• V2 subscription ${code(c.instanceId)} · ${escapeMrkdwn(c.domain || 'unknown domain')} · certificate ends ${slackDate(c.notAfter, '{date_short}')} (${c.daysLeft} days, ${c.percentLeft}% of its lifetime)${c.hosted ? ' · hosted, not rotated yet' : ''}`,
    })),
    ...v2.subscriptions.map((s) => ({
      end: s.orderEndTime ?? options.now,
      text: `• V2 subscription ${code(s.instanceId)} · ${escapeMrkdwn(s.domain || 'unknown domain')} · the subscription ${s.threshold === -1 ? 'has ended' : `ends ${s.orderEndTime ? slackDate(s.orderEndTime, '{date_short}') : 'soon'}`}: a purchase is needed (CAS console)`,
    })),
  ].sort((a, b) => a.end - b.end);
  if (rows.length === 0)
    return `No plan orders expire within ${maxDays} days, and no V2 subscription is within its alert thresholds.`;
  const lines = rows.slice(0, maxListed).map((r) => r.text);
  const more = rows.length > maxListed ? `\n…and ${rows.length - maxListed} more.` : '';
  return `*Expiring within ${maxDays} days or a V2 certificate's lifetime threshold* (${rows.length}), soonest first:\n${lines.join('\n')}${more}\nRenew an order with \`/cert renew <orderId>\`; see a subscription with \`/cert status <instanceId>\`.`;
}

/** The scan's V2 instances that need a person, though no alert is sent: stuck applications, unused purchases. */
function instanceNotes(s: ScanSummary): string[] {
  const names = (list: ScanSummary['inactive']) =>
    `${list.first.map((i) => `${code(i.instanceId)} (${escapeMrkdwn(i.domain || 'no domain')})`).join(', ')}${list.count > list.first.length ? `, and ${list.count - list.first.length} more` : ''}`;
  const notes: string[] = [];
  if (s.stuckPending.count > 0)
    notes.push(
      `:hourglass: ${s.stuckPending.count} application${s.stuckPending.count === 1 ? '' : 's'} pending for more than 3 days (domain validation stuck?): ${names(s.stuckPending)}`,
    );
  if (s.inactive.count > 0)
    notes.push(
      `:package: ${s.inactive.count} subscription${s.inactive.count === 1 ? '' : 's'} paid for and never applied for: ${names(s.inactive)}`,
    );
  return notes;
}

/** A scan's summary; `accounts` names the accounts it covers when some others failed. */
function summaryText(s: ScanSummary, accounts?: readonly string[]): string {
  const where = s.channels.length > 0 ? ` in ${s.channels.map((c) => `<#${c}>`).join(', ')}` : '';
  const covering = accounts
    ? ` in account${accounts.length === 1 ? '' : 's'} ${accounts.map((a) => escapeMrkdwn(a)).join(', ')}`
    : '';
  const skipped = [
    s.inFlight ? `${s.inFlight} with a renewal in flight` : '',
    s.snoozed ? `${s.snoozed} snoozed` : '',
    s.unrouted ? `${s.unrouted} with no alert channel (set CERT_ALERT_CHANNEL)` : '',
  ].filter(Boolean);
  const v2 = [
    s.hostingOverdue ? `${s.hostingOverdue} hosted not rotated by CAS` : '',
    s.subscriptions
      ? `${s.subscriptions} subscription${s.subscriptions === 1 ? '' : 's'} ending (a purchase)`
      : '',
  ].filter(Boolean);
  return [
    `Scanned ${s.scanned} orders${s.instances ? ` and ${s.instances} V2 subscriptions` : ''}${covering}: ${s.expiring} expiring soon, ${s.alerted} newly alerted${s.expired ? `, ${s.expired} expired` : ''}${v2.length ? `, ${v2.join(', ')}` : ''}${where}.${skipped.length ? ` Skipped: ${skipped.join(', ')}.` : ''}`,
    ...instanceNotes(s),
  ].join('\n');
}

/** What the accounts that were scanned did (their alerts were posted), then each account that failed, and why. */
function partialScanText(err: AccountScansFailed): string {
  return [
    ...(err.summary ? [summaryText(err.summary, err.succeeded)] : []),
    ...err.failed.map(
      (f) => `:warning: Scan failed for account ${escapeMrkdwn(f.account)}: ${escapeMrkdwn(f.reason)}`,
    ),
  ].join('\n');
}

/**
 * `/cert scan`: `CERT_APPROVERS` only, also with an accounts file (`everyAccount`): the scan covers every account, so
 * an account's own approvers may not run it, and the refusal says so. Runs the watched scan now and summarises it;
 * when some accounts failed, what the others did and why each failed.
 */
export async function scanNowText(
  deps: { alerts: AlertService; approvers: ApproverDirectory; everyAccount?: boolean },
  userId: string,
): Promise<string> {
  if (!(await deps.approvers.isApprover(userId)))
    return deps.everyAccount
      ? `Only ${deps.approvers.describe()} can run the expiry scan: it scans every account, so an account's own approvers cannot.`
      : `Only ${deps.approvers.describe()} can run the expiry scan.`;
  try {
    return summaryText(await deps.alerts.runWatchedScan());
  } catch (err) {
    if (err instanceof AccountScansFailed) return partialScanText(err);
    return `:warning: The expiry scan failed: ${escapeMrkdwn(scanFailureReason(err))}`;
  }
}
