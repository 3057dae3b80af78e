import type { CasClient } from '../cas/client.ts';
import type { CertificateState } from '../cas/schemas.ts';
import { isAppError } from '../errors.ts';
import { statusLine } from '../slack/cards.ts';
import { escapeMrkdwn } from '../slack/mrkdwn.ts';
import { threadLink } from './request-service.ts';
import type { RenewalStore } from './store.ts';

const casStateText: Record<CertificateState['type'], string> = {
  payed: 'pending application (待申请)',
  domain_verify: 'waiting for domain validation',
  process: 'under CA review',
  verify_fail: 'CA review failed',
  certificate: 'issued',
  unknow: 'unknown (CAS says `unknow`)',
  other: 'an undocumented state',
};

/** `/cert status <orderId>`: the latest request for the order and the live CAS state. */
export async function statusReport(
  deps: { store: RenewalStore; cas: CasClient },
  orderId: string,
): Promise<string> {
  const record = await deps.store.findLatest(orderId);
  const lines = [
    record
      ? `*Request* for order \`${orderId}\`: ${statusLine(record)}\nThread: ${threadLink(record)}`
      : `No renewal request for order \`${orderId}\` yet. Start one with \`/cert renew ${orderId}\`.`,
  ];
  const target = record?.newOrderId ?? orderId;
  try {
    const state = await deps.cas.describeCertificateState(target);
    const raw = state.type === 'other' ? ` (\`${escapeMrkdwn(state.rawType)}\`)` : '';
    lines.push(`*CAS* order \`${target}\`: ${casStateText[state.type]}${raw}`);
  } catch (err) {
    lines.push(
      `*CAS* order \`${target}\`: could not check (${escapeMrkdwn(isAppError(err) ? err.message : 'unexpected error')})`,
    );
  }
  return lines.join('\n');
}
