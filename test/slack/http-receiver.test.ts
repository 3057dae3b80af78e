import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppHarness, startAppHarness } from '../support/app-harness.ts';
import { slackSignature, slashCommandBody } from '../support/slack-payloads.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('request signatures', () => {
  const now = () => Math.floor(Date.now() / 1000);

  it.each([
    [
      'signed with another secret',
      (body: string) => ({ signature: slackSignature(body, now(), 'wrong-secret') }),
    ],
    [
      '6 minutes old',
      (body: string) => ({ timestampSec: now() - 360, signature: slackSignature(body, now() - 360) }),
    ],
    [
      '6 minutes in the future (Bolt alone would accept it)',
      (body: string) => ({ timestampSec: now() + 360, signature: slackSignature(body, now() + 360) }),
    ],
    ['without a signature', () => ({ signature: '' })],
    ['signed over another body', () => ({ signature: slackSignature('text=other', now()) })],
  ])('a command %s gets 401 and does nothing', async (_label, sign) => {
    h = await startAppHarness();
    const body = slashCommandBody({ text: 'help', response_url: h.slack.responseUrl() });

    const res = await h.post(body, sign(body));

    expect(res.status).toBe(401);
    expect(res.text).toBe('');
    expect(h.slack.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
    expect(h.logs.some((l) => l.includes('invalid signature'))).toBe(true);
  });

  it('accepts a timestamp 4 minutes off in either direction', async () => {
    h = await startAppHarness();
    const body = slashCommandBody({ text: 'help', response_url: h.slack.responseUrl() });

    const past = await h.post(body, {
      timestampSec: now() - 240,
      signature: slackSignature(body, now() - 240),
    });
    const future = await h.post(body, {
      timestampSec: now() + 240,
      signature: slackSignature(body, now() + 240),
    });

    expect([past.status, future.status]).toEqual([200, 200]);
  });

  it('refuses an oversize body with 413 before reading it all', async () => {
    h = await startAppHarness();
    const body = `text=${'a'.repeat(1_100_000)}`;

    const res = await h.post(body);

    expect(res.status).toBe(413);
  });

  it('refuses an oversize body sent without a length (chunked) with 413, and closes the connection', async () => {
    h = await startAppHarness();
    let sent = 0;
    // Would go on for 64 MiB; the server must answer long before.
    async function* endless() {
      for (let i = 0; i < 1024; i++) {
        sent += 65_536;
        yield Buffer.alloc(65_536, 'a');
      }
    }

    const res = await request(`${h.base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Readable.from(endless()),
    });

    expect(res.statusCode).toBe(413);
    expect(res.headers.connection).toBe('close');
    await res.body.dump();
    expect(sent).toBeLessThan(32 * 1024 * 1024);
  });

  it('answers 404 elsewhere', async () => {
    h = await startAppHarness();

    const res = await request(`${h.base}/nope`);

    expect(res.statusCode).toBe(404);
    await res.body.dump();
  });
});
