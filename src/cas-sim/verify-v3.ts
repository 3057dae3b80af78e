import { timingSafeEqual } from 'node:crypto';
import {
  canonicalRequest,
  type QueryPairs,
  sha256Hex,
  stringToSign,
  v3Algorithm,
} from '../cas/signing/canonical.ts';
import { v3Signature } from '../cas/signing/sign-v3.ts';
import { SimError } from './sim-error.ts';

/** An AccessKey the simulator knows. `securityToken` set means it is an STS key that must send that token. */
export interface SimAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string | undefined;
  /** An STS session's: when it stops being accepted (simulator clock, epoch ms). */
  expiresAt?: number | undefined;
  /** An STS session's `RoleSessionName` (recorded with each call, as ActionTrail shows it). */
  sessionName?: string | undefined;
  /** An STS session's inline policy: the CAS actions it may call; undefined: every action. */
  allowedActions?: ReadonlySet<string> | undefined;
}

/** A request as it arrived: raw path and query, lowercase headers, raw body bytes. */
export interface RawRequest {
  method: string;
  /** Path and query exactly as sent, e.g. `/?OrderId=1`. */
  url: string;
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
}

/** How far `x-acs-date` may be from the simulator's clock, either way. */
export const maxClockSkewMs = 15 * 60 * 1000;

/** Splits a raw query string into decoded pairs; a malformed escape is the caller's error. */
export function parseRawQuery(url: string): QueryPairs {
  const q = url.indexOf('?');
  if (q < 0) return [];
  const pairs: Array<[string, string]> = [];
  for (const part of url.slice(q + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    try {
      pairs.push([decodeURIComponent(rawName), decodeURIComponent(rawValue)]);
    } catch {
      throw new SimError(
        400,
        'InvalidParameter',
        `The query parameter ${rawName.slice(0, 40)} is not percent-encoded correctly.`,
      );
    }
  }
  return pairs;
}

function parseAuthorization(value: string): {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
} {
  if (!value.startsWith(`${v3Algorithm} `)) {
    throw new SimError(400, 'InvalidSignatureMethod', `Only ${v3Algorithm} is supported by this simulator.`);
  }
  const fields = new Map<string, string>();
  for (const part of value.slice(v3Algorithm.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) {
    throw new SimError(
      400,
      'IncompleteSignature',
      'The Authorization header lacks Credential, SignedHeaders or Signature.',
    );
  }
  return { accessKeyId, signedHeaders: signedHeaders.split(';'), signature };
}

const requiredHeaders = [
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
];

/** The headers that must be present and signed: `host`, and every `x-acs-*` sent. */
function checkSignedHeaders(request: RawRequest, signedHeaders: readonly string[]): void {
  for (const name of requiredHeaders) {
    if (!request.headers[name])
      throw new SimError(400, 'IncompleteSignature', `The header ${name} is required.`);
  }
  const signed = new Set(signedHeaders);
  const unsigned = Object.keys(request.headers).filter(
    (h) => (h === 'host' || h.startsWith('x-acs-')) && !signed.has(h),
  );
  if (unsigned.length > 0) {
    throw new SimError(400, 'IncompleteSignature', `These headers must be signed: ${unsigned.join(', ')}.`);
  }
}

/** The date must be well formed and within the allowed skew; the body hash must match. Returns that hash. */
function checkDateAndBody(request: RawRequest, nowMs: number): string {
  const date = request.headers['x-acs-date'] ?? '';
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(date) || Number.isNaN(Date.parse(date))) {
    throw new SimError(
      400,
      'InvalidTimeStamp.Format',
      'Specified time stamp or date value is not well formatted.',
    );
  }
  if (Math.abs(Date.parse(date) - nowMs) > maxClockSkewMs) {
    throw new SimError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
  }
  const bodySha256 = sha256Hex(request.body);
  if (request.headers['x-acs-content-sha256'] !== bodySha256) {
    throw new SimError(
      400,
      'SignatureDoesNotMatch',
      'The x-acs-content-sha256 header does not match the request body.',
    );
  }
  return bodySha256;
}

/** The signature must be the one the key's secret makes (compared in constant time). */
function checkSignature(
  request: RawRequest,
  auth: ReturnType<typeof parseAuthorization>,
  key: SimAccessKey,
  bodySha256: string,
): void {
  const pathname = request.url.split('?')[0] || '/';
  const canonical = canonicalRequest({
    method: request.method,
    pathname,
    query: parseRawQuery(request.url),
    headers: Object.fromEntries(
      Object.entries(request.headers).filter((e): e is [string, string] => e[1] !== undefined),
    ),
    signedHeaders: auth.signedHeaders,
    bodySha256,
  });
  const toSign = stringToSign(canonical);
  const expected = Buffer.from(v3Signature(key.accessKeySecret, toSign));
  const given = Buffer.from(auth.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new SimError(
      400,
      'SignatureDoesNotMatch',
      `Specified signature does not match our calculation. server string to sign is:${toSign}`,
    );
  }
}

/** An STS key must carry its token, until it expires; a permanent key must carry none. */
function checkSecurityToken(request: RawRequest, key: SimAccessKey, nowMs: number): void {
  if (key.securityToken !== undefined && request.headers['x-acs-security-token'] !== key.securityToken) {
    throw new SimError(
      400,
      'InvalidSecurityToken.Mismatch',
      'Specified SecurityToken is missing or does not match the AccessKey.',
    );
  }
  if (key.securityToken === undefined && request.headers['x-acs-security-token'] !== undefined) {
    throw new SimError(
      400,
      'InvalidSecurityToken.Malformed',
      'A SecurityToken was sent with a permanent AccessKey.',
    );
  }
  if (key.expiresAt !== undefined && nowMs >= key.expiresAt) {
    throw new SimError(400, 'InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.');
  }
}

/**
 * Verifies an `ACS3-HMAC-SHA256` request the way Alibaba's gateway does: the request's own SignedHeaders must
 * cover `host` and every `x-acs-*` header sent; the key must exist; the date must be within 15 minutes; the body
 * hash must match; the signature must match; an STS key must carry its token. Nonce reuse is checked by the
 * caller after this succeeds, so that forged requests cannot burn nonces.
 */
export function verifyV3(
  request: RawRequest,
  keys: ReadonlyMap<string, SimAccessKey>,
  nowMs: number,
): SimAccessKey {
  const authorization = request.headers.authorization;
  if (authorization === undefined) {
    throw new SimError(400, 'MissingAuthorization', 'The request is not signed (no Authorization header).');
  }
  const auth = parseAuthorization(authorization);
  checkSignedHeaders(request, auth.signedHeaders);
  const key = keys.get(auth.accessKeyId);
  if (key === undefined) {
    throw new SimError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
  }
  const bodySha256 = checkDateAndBody(request, nowMs);
  checkSignature(request, auth, key, bodySha256);
  checkSecurityToken(request, key, nowMs);
  return key;
}
