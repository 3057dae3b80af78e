import { isLosslessNumber, parse } from 'lossless-json';

/**
 * Fields that hold int64 IDs. They stay exact decimal strings: `JSON.parse` would turn `9007199254740993` into
 * `9007199254740992`, silently renewing or polling the wrong order.
 */
export const int64Fields: ReadonlySet<string> = new Set([
  'OrderId',
  'CertificateId',
  'AliyunOrderId',
  'InstanceId',
]);

/**
 * Parses a CAS response body. Numbers in {@link int64Fields} become their exact digits as strings; every other
 * number becomes a JS number (they are counts, pages and epoch milliseconds, all far below 2^53).
 */
export function parseCasJson(text: string): unknown {
  return parse(text, (key, value) => {
    if (!isLosslessNumber(value)) return value;
    return int64Fields.has(key) ? value.toString() : Number(value.toString());
  });
}
