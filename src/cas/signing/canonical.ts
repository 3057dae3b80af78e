import { createHash } from 'node:crypto';
import { percentEncode } from './percent-encode.ts';

/** The algorithm name that starts `Authorization` and the string to sign. */
export const v3Algorithm = 'ACS3-HMAC-SHA256';

/** Hex SHA-256 of the empty body, which every CAS RPC call sends. */
export const emptyBodySha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Query parameters as name/value pairs (a name may repeat). */
export type QueryPairs = ReadonlyArray<readonly [string, string]>;

/** Hex SHA-256 of a string or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * CanonicalQueryString: pairs sorted by encoded name (then value), each side percent-encoded, joined with `&`.
 * Sorting the *encoded* names matches the byte order Alibaba's gateway compares.
 */
export function canonicalQuery(query: QueryPairs): string {
  return query
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Which headers V3 signs: `host`, `content-type` and every `x-acs-*` header, lowercased and sorted. */
export function headersToSign(headers: Readonly<Record<string, string>>): string[] {
  return Object.keys(headers)
    .map((h) => h.toLowerCase())
    .filter((h) => h === 'host' || h === 'content-type' || h.startsWith('x-acs-'))
    .sort();
}

/**
 * CanonicalRequest = METHOD \n pathname \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n body hash.
 * `signedHeaders` are lowercase names; each header line is `name:trimmed value\n`.
 */
export function canonicalRequest(input: {
  method: string;
  pathname: string;
  query: QueryPairs;
  headers: Readonly<Record<string, string>>;
  signedHeaders: readonly string[];
  bodySha256: string;
}): string {
  const lower = new Map(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = input.signedHeaders.map((h) => `${h}:${(lower.get(h) ?? '').trim()}\n`).join('');
  return [
    input.method.toUpperCase(),
    input.pathname,
    canonicalQuery(input.query),
    canonicalHeaders,
    input.signedHeaders.join(';'),
    input.bodySha256,
  ].join('\n');
}

/** StringToSign = `ACS3-HMAC-SHA256\n` + hex(SHA-256(CanonicalRequest)). */
export function stringToSign(canonical: string): string {
  return `${v3Algorithm}\n${sha256Hex(canonical)}`;
}
