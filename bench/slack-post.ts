import type { Pool } from 'undici';
import { signedSlackHeaders } from '../src/dev/slack-payloads.ts';

/** Posts a signed Slack request body to `/slack/events` as Slack would; resolves with the HTTP status. */
export async function postSigned(pool: Pool, body: string): Promise<number> {
  const res = await pool.request({
    path: '/slack/events',
    method: 'POST',
    headers: signedSlackHeaders(body),
    body,
  });
  await res.body.dump();
  return res.statusCode;
}
