import { looksLikePrivateKey, privateKeyWarning } from '../csr/parse-csr.ts';

/** What `/cert <text>` asks for. */
export type CertCommand =
  /** `/cert renew <orderId|instanceId> [CSR]`: a V1 renewal, or (an instance ID) a V2 rotation. */
  | { kind: 'renew'; orderId: string; csrText: string | undefined }
  | { kind: 'status'; orderId: string }
  | { kind: 'instance_status'; instanceId: string }
  | { kind: 'list' }
  | { kind: 'scan' }
  | { kind: 'help' }
  | { kind: 'invalid'; message: string };

/** The usage text shown with every input error and by `/cert help`. */
export const usage = [
  '*Usage*',
  '• `/cert renew <orderId>`: ask for approval to renew a CAS certificate order (CAS makes the key pair)',
  '• `/cert renew <instanceId>`: ask for approval to rotate a V2 subscription to its next certificate (no plan quota)',
  '• `/cert renew <orderId> <CSR>`: the same with your own CSR pasted after the order ID',
  '• `/cert status <orderId|instanceId>`: where a renewal stands, and the order or V2 subscription state in CAS',
  '• `/cert list`: orders and V2 subscriptions expiring soon (only you see it)',
  '• `/cert scan`: run the expiry scan now (approvers)',
  '• `/cert help`: this text',
  'Order IDs are the numeric IDs from the CAS console (Certificates → orders), e.g. `/cert renew 123456789`.',
].join('\n');

const int64Max = 9223372036854775807n;

/** A V2.0 subscription instance ID as CAS issues them (`cas-ivauto-…`, `cas_dv-cn-…`; reference §7, §10). */
export function isInstanceId(raw: string): boolean {
  return /^cas[-_][A-Za-z0-9_.:-]{1,124}$/.test(raw);
}

/** Checks an order ID: 1-19 ASCII digits within int64; returns an error message or undefined. */
export function orderIdProblem(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return 'an order ID is missing';
  // The input is never echoed back: a mistyped token or a pasted key fragment must not be repeated.
  if (!/^[0-9]+$/.test(raw))
    return 'the order ID must be the numeric ID from the CAS console (digits 0-9 only), or a V2 instance ID (cas-…)';
  if (raw.length > 19 || BigInt(raw) > int64Max)
    return 'the order ID is too large to be a CAS order ID (at most 19 digits, within int64)';
  return undefined;
}

/** Parses the text after `/cert`. Never throws: bad input comes back as `invalid` with a message. */
export function parseCertCommand(text: string): CertCommand {
  const trimmed = text.trim();
  if (looksLikePrivateKey(trimmed)) return { kind: 'invalid', message: privateKeyWarning };
  const match = /^(\S+)\s*([\s\S]*)$/.exec(trimmed);
  if (!match) return { kind: 'help' };
  const sub = (match[1] ?? '').toLowerCase();
  const rest = (match[2] ?? '').trim();
  switch (sub) {
    case 'help':
      return { kind: 'help' };
    case 'list':
    case 'scan':
      return rest === ''
        ? { kind: sub }
        : { kind: 'invalid', message: `\`/cert ${sub}\` takes no arguments.` };
    case 'status':
    case 'renew': {
      const [orderId, ...more] = rest.split(/\s+/);
      if (orderId !== undefined && isInstanceId(orderId)) {
        const csrText = rest.slice(orderId.length).trim();
        if (sub === 'renew') return { kind: 'renew', orderId, csrText: csrText === '' ? undefined : csrText };
        return more.length === 0
          ? { kind: 'instance_status', instanceId: orderId }
          : { kind: 'invalid', message: '`/cert status` takes only an order or instance ID.' };
      }
      const problem = orderIdProblem(orderId);
      if (problem) return { kind: 'invalid', message: `Cannot ${sub}: ${problem}.` };
      const tail = rest.slice((orderId ?? '').length).trim();
      if (sub === 'status') {
        return more.length === 0 || tail === ''
          ? { kind: 'status', orderId: orderId as string }
          : { kind: 'invalid', message: '`/cert status` takes only an order ID.' };
      }
      return { kind: 'renew', orderId: orderId as string, csrText: tail === '' ? undefined : tail };
    }
    default:
      return { kind: 'invalid', message: 'Unknown sub-command.' };
  }
}
