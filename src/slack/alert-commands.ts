import type { AlertService } from '../alerts/alert-service.ts';
import { listExpiringOrders } from '../alerts/expiring-orders.ts';
import type { ApproverDirectory } from '../approval/approvers.ts';
import type { CasClient } from '../cas/client.ts';
import { isAppError } from '../errors.ts';
import { escapeMrkdwn, slackDate } from './mrkdwn.ts';

const maxListed = 40;

/** `/cert list`: orders expiring within the largest threshold, soonest first. */
export async function expiringListText(
  cas: CasClient,
  options: { now: number; maxDays: number },
): Promise<string> {
  const { expiring } = await listExpiringOrders(cas, options);
  if (expiring.length === 0) return `No plan orders expire within ${options.maxDays} days.`;
  const lines = expiring
    .slice(0, maxListed)
    .map(
      (o) =>
        `• ${escapeMrkdwn(o.domain || 'unknown domain')} · order \`${o.orderId}\` · ${slackDate(o.certEndTime, '{date_short}')} (${o.daysLeft} days) · ${escapeMrkdwn(o.productName)}`,
    );
  const more = expiring.length > maxListed ? `\n…and ${expiring.length - maxListed} more.` : '';
  return `*Expiring within ${options.maxDays} days* (${expiring.length}), soonest first:\n${lines.join('\n')}${more}\nRenew one with \`/cert renew <orderId>\`.`;
}

/** `/cert scan`: approvers only; runs the watched scan now and summarises it. */
export async function scanNowText(
  deps: { alerts: AlertService; approvers: ApproverDirectory },
  userId: string,
): Promise<string> {
  if (!(await deps.approvers.isApprover(userId)))
    return `Only ${deps.approvers.describe()} can run the expiry scan.`;
  try {
    const s = await deps.alerts.runWatchedScan();
    const where = s.channels.length > 0 ? ` in ${s.channels.map((c) => `<#${c}>`).join(', ')}` : '';
    const skipped = [
      s.inFlight ? `${s.inFlight} with a renewal in flight` : '',
      s.snoozed ? `${s.snoozed} snoozed` : '',
      s.unrouted ? `${s.unrouted} with no alert channel (set CERT_ALERT_CHANNEL)` : '',
    ].filter(Boolean);
    return `Scanned ${s.scanned} orders: ${s.expiring} expiring soon, ${s.alerted} newly alerted${s.expired ? `, ${s.expired} expired` : ''}${where}.${skipped.length ? ` Skipped: ${skipped.join(', ')}.` : ''}`;
  } catch (err) {
    return `:warning: The expiry scan failed: ${escapeMrkdwn(isAppError(err) ? err.message : 'unexpected error')}`;
  }
}
