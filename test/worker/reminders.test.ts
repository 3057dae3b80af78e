import { Queue } from 'bullmq';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCasClient } from '../../src/cas/client.ts';
import { expiryJobId, queueNames, type RecordJobData } from '../../src/jobs/queues.ts';
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
import { testRedis } from '../support/redis.ts';
import { testCredentials } from '../support/secrets.ts';

// Reminders (issue 22.3): an undecided request reminds its approvers in its thread at half of its TTL (and an hour
// before it expires when the TTL is over two hours: test/renewals/reminders.test.ts), each once, also across a
// restart. The TTLs here are short, as in the expiry tests; nothing sleeps: the tests wait for the messages.

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

  it('each reminder once across a restart: the app role stops after the first, a new one wakes the request again', async () => {
    // The test clock (app and requests) moves by hours; the request's one job is promoted instead of waited for.
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
    const approvals = new Queue<RecordJobData>(queueNames.approvals, {
      connection: testRedis(),
      prefix: harness.prefix,
    });
    cleanups.push(() => approvals.close());
    const wake = async (at: number) => {
      clock = at;
      const job = await approvals.getJob(expiryJobId(id));
      await vi.waitFor(async () => expect(await job?.getState()).toBe('delayed'), { timeout: 5_000 });
      await job?.promote();
    };
    const requestedAt = Number(
      await harness.app.redis.hget(`${harness.prefix}:renewal:${id}`, 'requestedAt'),
    );

    await wake(requestedAt + 2 * hour + 60_000);
    await posted(harness, card.ts, reminder);
    await harness.app.stop();
    const next = await startAppRole({
      config: harness.config,
      logger: createLogger({ level: 'silent' }),
      cas: createCasClient({ endpoint: harness.cas.url, credentials: () => testCredentials }),
      now: () => clock,
    });
    cleanups.push(() => next.stop());
    // The new role runs the job again before the last reminder is due (as a stalled job is redelivered), then at it.
    await wake(requestedAt + 2 * hour + 120_000);
    await vi.waitFor(
      async () => expect(await (await approvals.getJob(expiryJobId(id)))?.getState()).toBe('delayed'),
      {
        timeout: 5_000,
      },
    );
    await wake(requestedAt + 3 * hour);
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
  });
});
