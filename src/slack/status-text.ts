import type { CertificateState } from '../cas/order-schemas.ts';
import type { OrderStatus } from '../renewals/status-report.ts';
import { threadLink } from './links.ts';
import { escapeMrkdwn } from './mrkdwn.ts';
import { statusLine } from './status-line.ts';
import { code } from './thread-messages.ts';

const casStateText: Record<CertificateState['type'], string> = {
  payed: 'pending application (待申请)',
  domain_verify: 'waiting for domain validation',
  process: 'under CA review',
  verify_fail: 'CA review failed',
  certificate: 'issued',
  unknow: 'unknown (CAS says `unknow`)',
  other: 'an undocumented state',
};

/** The private answer to `/cert status <orderId>`. */
export function renderOrderStatus(status: OrderStatus, threadPermalink?: string): string {
  const { record, orderId, target } = status;
  const lines = [
    record
      ? `*Request* for order ${code(orderId)}: ${statusLine(record, status.deployment)}\nThread: ${threadPermalink ?? threadLink(record)}`
      : `No renewal request for order ${code(orderId)} yet. Start one with \`/cert renew ${escapeMrkdwn(orderId)}\`.`,
  ];
  if (status.cas.ok) {
    const state = status.cas.state;
    const raw = state.type === 'other' ? ` (${code(state.rawType)})` : '';
    lines.push(`*CAS* order ${code(target)}: ${casStateText[state.type]}${raw}`);
  } else {
    lines.push(`*CAS* order ${code(target)}: could not check (${escapeMrkdwn(status.cas.message)})`);
  }
  return lines.join('\n');
}
