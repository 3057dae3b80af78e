import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { expiryJobId, queueNames, type RecordJobData, scheduleExpiry } from '../../src/jobs/queues.ts';
import {
  type AppHarness,
  approverId,
  blocksText,
  channelId,
  childRoleEnv,
  openCard,
  otherApproverId,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { testRedis } from '../support/redis.ts';
import { spawnRole, type WorkerProcess } from '../support/worker-process.ts';

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

  it('once across a restart: the app role stops after the reminder, its job runs again in a new app process, no second reminder', async () => {
    const { harness, ts, recordId } = await open(8_000);
    await posted(harness, ts, reminder);

    // The app role stops; its job is run again at once by the next process, as after a crash between the
    // reminder and the job's next delay (a stalled job is redelivered).
    await harness.app.stop();
    const approvals = new Queue<RecordJobData>(queueNames.approvals, {
      connection: testRedis(),
      prefix: harness.prefix,
    });
    cleanups.push(() => approvals.close());
    await (await approvals.getJob(expiryJobId(recordId)))?.remove();
    await scheduleExpiry(approvals, recordId, 0);
    const next: WorkerProcess = await spawnRole('app', childRoleEnv(harness));
    cleanups.push(async () => {
      await next.stop();
    });
    await posted(harness, ts, expired, 20_000);

    expect(harness.slack.thread(channelId, ts).filter((m) => reminder.test(String(m.text)))).toHaveLength(1);
    const audit = (await harness.app.redis.lrange(`${harness.prefix}:audit:${recordId}`, 0, -1)).map(
      (e) => (JSON.parse(e) as { action: string }).action,
    );
    expect(audit).toEqual(['requested', 'reminded', 'expired']);
  });
});
