import { afterEach, describe, expect, it } from 'vitest';
import { createCasClient } from '../../src/cas/client.ts';
import { createLogger } from '../../src/logging.ts';
import { startAppRole } from '../../src/roles/app-role.ts';
import {
  type AppHarness,
  approverId,
  blocksText,
  channelId,
  openCard,
  otherApproverId,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { testCredentials } from '../support/secrets.ts';

// Reminders (issue 22.3): an undecided request reminds its approvers in its thread at half of its TTL (and an hour
// before it expires when the TTL is over two hours: test/renewals/reminders.test.ts), each once, also across a
// restart, through the due schedule (request-due.ts). The first test's TTL is short, as in the expiry tests; nothing
// sleeps: the tests wait for the messages or drive the clock.

let h: AppHarness | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await h?.stop();
  h = undefined;
});

const posted = (harness: AppHarness, ts: string, pattern: RegExp, timeoutMs = 10_000) =>
  harness.slack.waitForCall(
    (c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts && pattern.test(String(c.args.text)),
    timeoutMs,
  );
const reminder = /:alarm_clock:/;
const hour = 3_600_000;
const expired = /this request expired/;

async function open(requestTtlMs: number) {
  const order = buildOrder();
  h = await startAppHarness({ seed: { orders: [order] }, appDeps: { requestTtlMs } });
  const card = await openCard(h, String(order.orderId));
  return { harness: h, ...card, recordId: card.recordId as string };
}

describe('reminders', () => {
  it('one reminder at half the TTL, mentioning the approvers, then the expiry; the card shows the time left', async () => {
    const { harness, ts, recordId, call } = await open(3_000);

    const remind = await posted(harness, ts, reminder);
    await posted(harness, ts, expired);

    expect(blocksText(call.args.blocks)).toContain('expires in 1 min');
    expect(remind.args.text).toMatch(
      new RegExp(
        `^:alarm_clock: <@${approverId}> <@${otherApproverId}> this request still waits for a decision; it expires in \\d+ min\\.$`,
      ),
    );
    const record = await harness.app.redis.hgetall(`${harness.prefix}:renewal:${recordId}`);
    expect(record.reminded).toBe('half');
    // Posted half-way: after the card, before the expiry (the record's clock).
    const audit = (await harness.app.redis.lrange(`${harness.prefix}:audit:${recordId}`, 0, -1)).map(
      (e) => JSON.parse(e) as { action: string; at: number },
    );
    expect(audit.map((e) => e.action)).toEqual(['requested', 'reminded', 'expired']);
    const reminded = audit[1]?.at as number;
    expect(reminded - Number(record.requestedAt)).toBeGreaterThanOrEqual(1_500);
    expect(reminded).toBeLessThan(Number(record.expiresAt));
    expect(harness.slack.thread(channelId, ts).map((m) => String(m.text).slice(0, 13))).toEqual([
      ':alarm_clock:',
      ':zzz: No deci',
    ]);
  });

  it('each reminder once across a restart: the app role stops after the first, a new one runs its entry again', async () => {
    // The test clock (app and requests) moves by hours; the app role runs its due entries when told (no waiting).
    let clock = Date.now();
    const order = buildOrder();
    h = await startAppHarness({
      seed: { orders: [order] },
      now: () => clock,
      appDeps: { requestTtlMs: 4 * hour },
    });
    const harness = h;
    const card = await openCard(harness, String(order.orderId));
    const id = card.recordId as string;
    const dueKey = `${harness.prefix}:request-due`;
    const record = await harness.app.redis.hgetall(`${harness.prefix}:renewal:${id}`);
    const requestedAt = Number(record.requestedAt);
    const expiresAt = Number(record.expiresAt);
    const halfAt = requestedAt + 2 * hour;

    // No job per request: its expiry and first reminder are entries of the due schedule.
    expect(await harness.app.redis.zrange(dueKey, '0', '-1', 'WITHSCORES')).toEqual([
      `remind_half:${id}`,
      String(halfAt),
      `expire:${id}`,
      String(expiresAt),
    ]);
    expect(await harness.app.redis.exists(`${harness.prefix}:bull:approvals:expire-${id}`)).toBe(0);

    clock = halfAt + 60_000;
    await harness.app.runDue();
    await posted(harness, card.ts, reminder);
    // The reminder scheduled the next one (an hour before expiry) in place of its own entry.
    expect(await harness.app.redis.zrange(dueKey, '0', '-1', 'WITHSCORES')).toEqual([
      `remind_last:${id}`,
      String(expiresAt - hour),
      `expire:${id}`,
      String(expiresAt),
    ]);
    await harness.app.stop();
    const next = await startAppRole({
      config: harness.config,
      logger: createLogger({ level: 'silent' }),
      cas: createCasClient({ endpoint: harness.cas.url, credentials: () => testCredentials }),
      now: () => clock,
    });
    cleanups.push(() => next.stop());
    // The new role runs the half-way entry again (as after a crash before its entry was removed): nothing posted.
    clock = halfAt + 120_000;
    await harness.app.redis.zadd(dueKey, String(halfAt), `remind_half:${id}`);
    expect(await next.runDue()).toBe(1);
    expect(await harness.app.redis.zscore(dueKey, `remind_half:${id}`)).toBeNull();
    clock = expiresAt - hour;
    expect(await next.runDue()).toBe(1);
    const last = await posted(harness, card.ts, /expires in 1 h/);

    const reminders = harness.slack.thread(channelId, card.ts).filter((m) => reminder.test(String(m.text)));
    expect(reminders.map((m) => m.text)).toEqual([expect.stringContaining('expires in 2 h'), last.args.text]);
    const audit = (await harness.app.redis.lrange(`${harness.prefix}:audit:${id}`, 0, -1)).map(
      (e) => JSON.parse(e) as { action: string; detail?: string },
    );
    expect(audit.map((e) => [e.action, e.detail])).toEqual([
      ['requested', undefined],
      ['reminded', 'half'],
      ['reminded', 'last'],
    ]);
    expect(await harness.app.redis.zrange(dueKey, '0', '-1')).toEqual([`expire:${id}`]);
  });
});
