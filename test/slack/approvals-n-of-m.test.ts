import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppHarness,
  approverId,
  blocksText,
  channelId,
  openCard,
  otherApproverId,
  rejectViaModal,
  requesterId,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { testRedis } from '../support/redis.ts';

// CERT_APPROVALS_REQUIRED (issue 22.2): a V1 renewal (money) needs N distinct approvers, never the requester; the
// Nth approval, and only that one, approves and starts the job.

let h: AppHarness | undefined;
const queues: Queue[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) await q.close();
  await h?.stop();
  h = undefined;
});

function renewalsQueue(harness: AppHarness): Queue {
  const queue = new Queue('renewals', { connection: testRedis(), prefix: harness.prefix });
  queues.push(queue);
  return queue;
}

async function twoOfThem(options: Parameters<typeof startAppHarness>[0] = {}) {
  const order = buildOrder({ domain: 'shop.example.com' });
  h = await startAppHarness({
    ...options,
    env: { CERT_APPROVALS_REQUIRED: '2', ...options.env },
    seed: { orders: [order] },
  });
  const card = await openCard(h, String(order.orderId));
  return { harness: h, order, ...card, recordId: card.recordId as string };
}

const record = (harness: AppHarness, id: string) =>
  harness.app.redis.hgetall(`${harness.prefix}:renewal:${id}`);
const auditOf = async (harness: AppHarness, id: string) =>
  (await harness.app.redis.lrange(`${harness.prefix}:audit:${id}`, 0, -1)).map(
    (e) => JSON.parse(e) as { action: string; actor: string; detail?: string },
  );

describe('two approvals required', () => {
  it('the card says what approving spends first, and how many approvals and how long it has left', async () => {
    const { call } = await twoOfThem();

    const text = blocksText(call.args.blocks);
    const blocks = call.args.blocks as Array<{ block_id?: string }>;
    expect(blocks[0]?.block_id).toBe('decision_kind');
    expect(text).toContain('Spends plan quota (money)');
    expect(text).toContain('0 of 2 approvals · expires in 24 h');
  });

  it('one approval leaves the request open and the card says "1 of 2"; no job', async () => {
    const { harness, ts, value, recordId } = await twoOfThem();

    await harness.click('cert_approve', { user: approverId, messageTs: ts, value });
    const update = await harness.slack.waitForCall(
      (c) => c.method === 'chat.update' && c.response.ok === true,
    );
    const answer = await harness.slack.waitForResponse();

    expect(blocksText(update.args.blocks)).toContain(`1 of 2 approvals: <@${approverId}>`);
    expect(answer.body.text).toContain('Your approval is counted: 1 of 2');
    expect((await record(harness, recordId)).state).toBe('requested');
    expect((await record(harness, recordId)).approvals).toBe(approverId);
    expect(await renewalsQueue(harness).getJobCounts('waiting', 'delayed', 'active')).toEqual({
      waiting: 0,
      delayed: 0,
      active: 0,
    });
  });

  it('the same approver twice counts as one; the second approver (on the card they saw first) approves; the audit lists each', async () => {
    const { harness, ts, value, recordId } = await twoOfThem();

    await harness.click('cert_approve', { user: approverId, messageTs: ts, value });
    await harness.slack.waitForResponse((r) => String(r.body.text).includes('counted: 1 of 2'));
    await harness.click('cert_approve', { user: approverId, messageTs: ts, value });
    const again = await harness.slack.waitForResponse((r) => String(r.body.text).includes('already counted'));

    expect(again.body.text).toContain('already counted (1 of 2)');
    expect((await record(harness, recordId)).state).toBe('requested');
    expect((await record(harness, recordId)).approvals).toBe(approverId);

    // The card was refreshed by the first approval; a click on the version before it still decides (an approval
    // counted changes nothing the decision is about).
    await harness.click('cert_approve', { user: otherApproverId, messageTs: ts, value });
    const card = await harness.slack.waitForCall(
      (c) => c.method === 'chat.update' && blocksText(c.args.blocks).includes('2 of 2 approvals'),
    );

    const approved = await record(harness, recordId);
    expect(approved.state).toBe('approved');
    expect(approved.approvals).toBe(`${approverId},${otherApproverId}`);
    expect(approved.decidedBy).toBe(otherApproverId);
    expect((await auditOf(harness, recordId)).map((e) => [e.action, e.actor, e.detail])).toEqual([
      ['requested', requesterId, undefined],
      ['approval_counted', approverId, 'approval 1 of 2'],
      ['approved', otherApproverId, 'approval 2 of 2'],
    ]);
    expect(blocksText(card.args.blocks)).toContain(
      `2 of 2 approvals: <@${approverId}>, <@${otherApproverId}>`,
    );
    expect(blocksText(card.args.blocks)).not.toContain('expires in');
    expect(await renewalsQueue(harness).getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  it("the requester's approval does not count (self-approval off), even when they are an approver", async () => {
    const { harness, ts, value, recordId } = await twoOfThem({
      env: { CERT_APPROVERS: `${requesterId},${approverId}` },
    });

    await harness.click('cert_approve', { user: requesterId, messageTs: ts, value });
    const answer = await harness.slack.waitForResponse();
    await harness.click('cert_approve', { user: approverId, messageTs: ts, value });
    await harness.slack.waitForResponse((r) => String(r.body.text).includes('counted'));

    expect(answer.body.text).toContain('another approver must approve it');
    const after = await record(harness, recordId);
    expect(after.state).toBe('requested');
    expect(after.approvals).toBe(approverId);
  });

  it('any Reject ends the request, after an approval was counted', async () => {
    const { harness, ts, value, recordId } = await twoOfThem();
    await harness.click('cert_approve', { user: approverId, messageTs: ts, value });
    await harness.slack.waitForResponse((r) => String(r.body.text).includes('counted: 1 of 2'));

    await rejectViaModal(harness, { ts, value }, 'not this quarter', otherApproverId);
    await harness.slack.waitForThread(channelId, ts, 1);

    expect((await record(harness, recordId)).state).toBe('rejected');
  });

  it('30 parallel clicks by two approvers: exactly one approved move, one job, one Renew call', async () => {
    const { harness, ts, value, recordId } = await twoOfThem({ worker: {} });

    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        harness.click('cert_approve', { user: i % 2 ? approverId : otherApproverId, messageTs: ts, value }),
      ),
    );
    await harness.slack.waitForCall(
      (c) =>
        c.method === 'chat.postMessage' && c.args.thread_ts === ts && /issued/i.test(String(c.args.text)),
      20_000,
    );

    expect(results.every((r) => r.status === 200)).toBe(true);
    const audit = await auditOf(harness, recordId);
    expect(audit.filter((e) => e.action === 'approved')).toHaveLength(1);
    expect(audit.filter((e) => e.action === 'approval_counted')).toHaveLength(1);
    expect(harness.cas.sim.renewCount()).toBe(1);
    expect(
      harness.cas.sim.calls.filter((c) => c.action === 'RenewCertificateOrderForPackageRequest'),
    ).toHaveLength(1);
    const jobs = await renewalsQueue(harness).getJobs([
      'waiting',
      'active',
      'delayed',
      'completed',
      'failed',
    ]);
    expect(jobs.map((j) => j.id)).toEqual([`renew-${recordId}`]);
    expect(
      harness.slack.thread(channelId, ts).filter((m) => /Approved by/.test(String(m.text))),
    ).toHaveLength(1);
  });
});
