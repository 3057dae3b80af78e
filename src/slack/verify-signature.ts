import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a request's timestamp may be from our clock, either way, seconds. */
export const maxSignatureSkewSeconds = 300;

/** Why a request was refused; logged, never sent back. */
export type SignatureProblem = 'missing_headers' | 'bad_timestamp' | 'stale_or_future' | 'mismatch';

/**
 * Verifies Slack's v0 request signature over the exact raw body. Unlike Bolt, which accepts any future timestamp,
 * this rejects timestamps more than 5 minutes away from `nowMs` in either direction (replay window both ways).
 */
export function verifySlackSignature(input: {
  signingSecret: string;
  rawBody: Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
  nowMs: number;
}): { ok: true } | { ok: false; problem: SignatureProblem } {
  if (!input.timestamp || !input.signature) return { ok: false, problem: 'missing_headers' };
  if (!/^\d{1,12}$/.test(input.timestamp)) return { ok: false, problem: 'bad_timestamp' };
  if (Math.abs(Math.floor(input.nowMs / 1000) - Number(input.timestamp)) > maxSignatureSkewSeconds) {
    return { ok: false, problem: 'stale_or_future' };
  }
  const expected = Buffer.from(
    `v0=${createHmac('sha256', input.signingSecret).update(`v0:${input.timestamp}:`).update(input.rawBody).digest('hex')}`,
  );
  const given = Buffer.from(input.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, problem: 'mismatch' };
  return { ok: true };
}
