import { LosslessNumber, stringify } from 'lossless-json';
import { int64Fields } from '../cas/int64-json.ts';

/**
 * IDs CAS sends as strings in some responses (DescribeCertificateState.CertId, ListCertificates' CertificateId, as
 * the SDK models type them): left as given there.
 */
const stringIdsOf: Record<string, ReadonlySet<string>> = {
  DescribeCertificateState: new Set(['CertId']),
  ListCertificates: new Set(['CertificateId']),
};

/**
 * A response body as CAS writes it: int64 IDs as JSON numbers with every digit, except `InstanceId` and the IDs
 * `action` answers as strings.
 */
export function toCasJson(value: Record<string, unknown>, action = ''): string {
  const stringIds = stringIdsOf[action] ?? new Set<string>();
  const mark = (v: unknown, key: string): unknown => {
    if (Array.isArray(v)) return v.map((item) => mark(item, ''));
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mark(x, k)]));
    // IDs are int64: written as JSON numbers with every digit, as CAS does.
    if (
      int64Fields.has(key) &&
      typeof v === 'string' &&
      /^[0-9]+$/.test(v) &&
      key !== 'InstanceId' &&
      !stringIds.has(key)
    )
      return new LosslessNumber(v);
    return v;
  };
  return stringify(mark(value, '')) ?? '{}';
}
