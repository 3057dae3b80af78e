import { createHmac } from 'node:crypto';
import {
  canonicalRequest,
  emptyBodySha256,
  headersToSign,
  type QueryPairs,
  sha256Hex,
  stringToSign,
  v3Algorithm,
} from './canonical.ts';

/** An AccessKey pair, with the STS token when the key is temporary. */
export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS security token; sent as the signed `x-acs-security-token` header. */
  securityToken?: string | undefined;
}

/** What to sign. Time and nonce are inputs so that signing is pure and testable. */
export interface V3SignInput {
  method: string;
  /** `host[:port]` exactly as sent in the `Host` header (non-default port included). */
  host: string;
  pathname?: string;
  action: string;
  version: string;
  query: QueryPairs;
  body?: string | Uint8Array;
  credentials: Credentials;
  /** The signing time; formatted as UTC `yyyy-MM-ddTHH:mm:ssZ`. */
  date: Date;
  /** Unique per request (Alibaba rejects reuse within 15 minutes). */
  nonce: string;
}

/** Formats a date as `x-acs-date` wants it: UTC, second precision, `Z`. */
export function formatAcsDate(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** HMAC-SHA256 of the string to sign, keyed with the raw AccessKey secret, as lowercase hex. */
export function v3Signature(secret: string, toSign: string): string {
  return createHmac('sha256', secret).update(toSign).digest('hex');
}

/**
 * Signs an RPC request with `ACS3-HMAC-SHA256` and returns every header to send, `Authorization` included.
 * The secret only keys the HMAC: it is never part of any returned value.
 */
export function signV3(input: V3SignInput): Record<string, string> {
  const bodySha256 =
    input.body === undefined || input.body.length === 0 ? emptyBodySha256 : sha256Hex(input.body);
  const headers: Record<string, string> = {
    host: input.host,
    'x-acs-action': input.action,
    'x-acs-version': input.version,
    'x-acs-date': formatAcsDate(input.date),
    'x-acs-signature-nonce': input.nonce,
    'x-acs-content-sha256': bodySha256,
  };
  if (input.credentials.securityToken !== undefined) {
    headers['x-acs-security-token'] = input.credentials.securityToken;
  }
  const signedHeaders = headersToSign(headers);
  const canonical = canonicalRequest({
    method: input.method,
    pathname: input.pathname ?? '/',
    query: input.query,
    headers,
    signedHeaders,
    bodySha256,
  });
  const signature = v3Signature(input.credentials.accessKeySecret, stringToSign(canonical));
  headers.authorization = `${v3Algorithm} Credential=${input.credentials.accessKeyId},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`;
  return headers;
}
