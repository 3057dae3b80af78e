import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppHarness,
  approverId,
  blocksText,
  channelId,
  findButton,
  modalAfter,
  modalText,
  openCard,
  otherApproverId,
  rejectViaModal,
  requesterId,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { testRedis } from '../support/redis.ts';

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

async function setup(options: Parameters<typeof startAppHarness>[0] = {}) {
  const order = buildOrder({ domain: 'shop.example.com' });
  h = await startAppHarness({ ...options, seed: { orders: [order], ...options.seed } });
  const card = await openCard(h, String(order.orderId));
  return { order, ...card, recordId: card.recordId as string };
}

describe('Approve', () => {
  it('by an approver: one decision, the card updated in place, "queued" in the thread, one job with only the ID', async () => {
    const { ts, recordId, value, order } = await setup();
    const harness = h as AppHarness;
    const dueKey = `${harness.prefix}:request-due`;
    expect((await harness.app.redis.zrange(dueKey, '0', '-1')).sort()).toEqual([
      `expire:${recordId}`,
      `remind_half:${recordId}`,
    ]);

    const res = await harness.click('cert_approve', { user: approverId, messageTs: ts, value });
    const update = await harness.slack.waitForCall(
      (c) => c.method === 'chat.update' && c.response.ok === true,
    );
    const thread = await harness.slack.waitForThread(channelId, ts, 1);

    expect(res.status).toBe(200);
    expect(update.args).toMatchObject({ channel: channelId, ts });
    expect(findButton(update.args.blocks, 'cert_approve')).toBeUndefined();
    expect(blocksText(update.args.blocks)).toContain(`approved by <@${approverId}>`);
    expect(thread.map((m) => m.text)).toEqual([
      expect.stringMatching(
        new RegExp(`^:inbox_tray: Approved by <@${approverId}> at .*Queued for renewal\\.$`),
      ),
    ]);
    const job = await renewalsQueue(harness).getJob(`renew-${recordId}`);
    expect(job?.data).toEqual({ recordId });
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${recordId}`, 'state')).toBe('approved');
    expect(await harness.app.redis.exists(`${harness.prefix}:order-open:${order.orderId}`)).toBe(1);
    // Decided: nothing is due for it any more (its expiry and reminder went with the decision).
    expect(await harness.app.redis.zrange(dueKey, '0', '-1')).toEqual([]);
  });

  it('by someone else: an ephemeral "only … can approve" and nothing changes', async () => {
    const { ts, recordId, value } = await setup();
    const harness = h as AppHarness;

    await harness.click('cert_approve', { user: 'U0RANDOM', messageTs: ts, value });
    const answer = await harness.slack.waitForResponse();

    expect(answer.body).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
      text: `Only <@${approverId}>, <@${otherApproverId}> can approve this renewal.`,
    });
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${recordId}`, 'state')).toBe('requested');
    expect(harness.slack.calls.filter((c) => c.method === 'chat.update')).toEqual([]);
    expect(await renewalsQueue(harness).getJobCounts()).toMatchObject({ waiting: 0 });
  });

  it('by the requester is refused unless self-approval is allowed', async () => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] }, env: { CERT_APPROVERS: requesterId } });
    const { ts, recordId, value } = await openCard(h, String(order.orderId), requesterId);

    await h.click('cert_approve', { user: requesterId, messageTs: ts, value });
    const answer = await h.slack.waitForResponse();

    expect(answer.body.text).toContain('another approver must approve it');
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${recordId}`, 'state')).toBe('requested');
  });

  it('by the requester with CERT_ALLOW_SELF_APPROVAL=true', async () => {
    const order = buildOrder();
    h = await startAppHarness({
      seed: { orders: [order] },
      env: { CERT_APPROVERS: requesterId, CERT_ALLOW_SELF_APPROVAL: 'true' },
    });
    const { ts, recordId, value } = await openCard(h, String(order.orderId), requesterId);

    await h.click('cert_approve', { user: requesterId, messageTs: ts, value });
    await h.slack.waitForCall((c) => c.method === 'chat.update');

    expect(await h.app.redis.hget(`${h.prefix}:renewal:${recordId}`, 'state')).toBe('approved');
  });

  it('by a member of an approver user group, looked up once and cached', async () => {
    const { ts, recordId, value } = await setup({
      env: { CERT_APPROVERS: 'S0PLATFORM' },
      standIn: { usergroups: { S0PLATFORM: ['U0GROUPIE'] } },
    });
    const harness = h as AppHarness;
    await harness.click('cert_approve', { user: 'U0OUTSIDER', messageTs: ts, value });
    await harness.slack.waitForResponse();

    await harness.click('cert_approve', { user: 'U0GROUPIE', messageTs: ts, value });
    await harness.slack.waitForCall((c) => c.method === 'chat.update');

    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${recordId}`, 'decidedBy')).toBe(
      'U0GROUPIE',
    );
    expect(harness.slack.calls.filter((c) => c.method === 'usergroups.users.list')).toHaveLength(1);
  });

  it.each([
    ['another request', 'rOTHERREQUEST'],
    ['nothing', undefined],
  ])('with a tampered button value (%s) changes nothing', async (_label, value) => {
    const { ts, recordId } = await setup();
    const harness = h as AppHarness;

    await harness.click('cert_approve', { user: approverId, messageTs: ts, value });
    const answer = await harness.slack.waitForResponse();

    expect(answer.body.text).toContain('does not belong to a request I know');
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${recordId}`, 'state')).toBe('requested');
  });

  it('50 concurrent clicks from two approvers make exactly one decision and one job', async () => {
    const { ts, recordId, value } = await setup();
    const harness = h as AppHarness;

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        harness.click('cert_approve', {
          user: i % 2 ? approverId : otherApproverId,
          messageTs: ts,
          value,
        }),
      ),
    );
    await harness.slack.waitForThread(channelId, ts, 1);
    const refusals = () =>
      harness.slack.responses.filter((r) => String(r.body.text).startsWith('Nothing changed'));
    await harness.slack.waitForResponse(() => refusals().length === 49);

    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(refusals()).toHaveLength(49);
    const audit = (await harness.app.redis.lrange(`${harness.prefix}:audit:${recordId}`, 0, -1)).map(
      (e) => JSON.parse(e) as { action: string },
    );
    expect(audit.map((e) => e.action)).toEqual(['requested', 'approved']);
    expect(
      await renewalsQueue(harness).getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed'),
    ).toEqual({ waiting: 1, active: 0, delayed: 0, completed: 0, failed: 0 });
    expect(harness.slack.thread(channelId, ts)).toHaveLength(1);
    expect(harness.slack.okCalls('chat.update')).toHaveLength(1);
  });
});

describe('Reject', () => {
  it('a private key pasted as the reason is refused in the modal, never stored or posted', async () => {
    const { ts, recordId, value } = await setup();
    const harness = h as AppHarness;
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';

    const answer = await rejectViaModal(harness, { ts, value }, `oops ${key}`);

    expect(answer.json).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.stringContaining('private key') },
    });
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${recordId}`, 'state')).toBe('requested');
    const stored = JSON.stringify(
      await harness.app.redis.lrange(`${harness.prefix}:audit:${recordId}`, 0, -1),
    );
    expect(stored).not.toContain('MIIEvQIBADAN');
    expect(JSON.stringify(harness.slack.calls.map((c) => c.args))).not.toContain('MIIEvQIBADAN');
    expect(harness.logs.join('')).not.toContain('MIIEvQIBADAN');
  });

  it('opens a reason modal, then rejects with the reason on the card, in the thread and in the audit trail', async () => {
    const { ts, recordId, value, order } = await setup();
    const harness = h as AppHarness;

    const view = (await modalAfter(harness, () =>
      harness.click('cert_reject', { user: approverId, messageTs: ts, value }),
    )) as { callback_id: string; private_metadata: string };
    await harness.submitView(view.callback_id, {
      user: approverId,
      privateMetadata: view.private_metadata,
      values: {
        reason: { value: { type: 'plain_text_input', value: 'Domain is being retired <!channel>' } },
      },
    });
    const thread = await harness.slack.waitForThread(channelId, ts, 1);

    expect(view.callback_id).toBe('cert_reject_modal');
    expect(thread[0]?.text).toBe(
      `:no_entry_sign: Rejected by <@${approverId}>: Domain is being retired &lt;!channel&gt;.`,
    );
    const card = await harness.slack.waitForCall(
      (c) => c.method === 'chat.update' && blocksText(c.args.blocks).includes('Rejected by'),
    );
    expect(findButton(card.args.blocks, 'cert_approve')).toBeUndefined();
    expect(blocksText(card.args.blocks)).toContain(`Rejected by <@${approverId}>`);
    const audit = (await harness.app.redis.lrange(`${harness.prefix}:audit:${recordId}`, 0, -1)).map(
      (e) => JSON.parse(e) as Record<string, unknown>,
    );
    expect(audit).toEqual([
      expect.objectContaining({ action: 'requested', actor: requesterId, at: expect.any(Number) }),
      expect.objectContaining({
        action: 'rejected',
        actor: approverId,
        from: 'requested',
        to: 'rejected',
        detail: 'Domain is being retired <!channel>',
      }),
    ]);
    expect(await harness.app.redis.exists(`${harness.prefix}:order-open:${order.orderId}`)).toBe(0);
  });

  it('can be done by the requester (withdrawing), not by a bystander', async () => {
    const { ts, value } = await setup();
    const harness = h as AppHarness;

    const refused = await modalAfter(harness, () =>
      harness.click('cert_reject', { user: 'U0BYSTANDER', messageTs: ts, value }),
    );
    const modal = await modalAfter(harness, () =>
      harness.click('cert_reject', { user: requesterId, messageTs: ts, value }),
    );

    expect(refused.callback_id).toBeUndefined();
    expect(modalText(refused)).toContain('can reject this renewal');
    expect(modal.callback_id).toBe('cert_reject_modal');
  });

  it('after approval changes nothing', async () => {
    const { ts, recordId, value } = await setup();
    const harness = h as AppHarness;
    await harness.click('cert_approve', { user: approverId, messageTs: ts, value });
    await harness.slack.waitForCall((c) => c.method === 'chat.update');

    await harness.submitView('cert_reject_modal', {
      user: otherApproverId,
      privateMetadata: JSON.stringify({ recordId, version: 1, channelId, messageTs: ts }),
      values: { reason: { value: { type: 'plain_text_input', value: null } } },
    });
    const answer = await harness.slack.waitForCall((c) => c.method === 'chat.postEphemeral');

    expect(answer.args.text).toContain('Nothing changed');
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${recordId}`, 'state')).toBe('approved');
  });
});

describe('Expiry', () => {
  it('an undecided request expires after its TTL: card and thread say so, and the order is free again', async () => {
    const { ts, recordId, value, order } = await setup({ appDeps: { requestTtlMs: 300 } });
    const harness = h as AppHarness;

    // Half-way through its TTL the request reminds its approvers (test/slack/approvals-n-of-m.test.ts), then expires.
    const update = await harness.slack.waitForCall(
      (c) => c.method === 'chat.update' && blocksText(c.args.blocks).includes('Expired without a decision'),
    );
    const late = await harness.click('cert_approve', { user: approverId, messageTs: ts, value });
    const answer = await harness.slack.waitForResponse();

    expect(findButton(update.args.blocks, 'cert_approve')).toBeUndefined();
    expect(harness.slack.thread(channelId, ts).at(-1)?.text).toContain('this request expired');
    expect(late.status).toBe(200);
    expect(answer.body.text).toContain('Nothing changed');
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${recordId}`, 'state')).toBe('expired');
    expect(await harness.app.redis.exists(`${harness.prefix}:order-open:${order.orderId}`)).toBe(0);
  });
});

describe('Attach CSR', () => {
  it('lets the requester attach a CSR through the modal; a bad one is refused in the modal', async () => {
    const { makeCsr } = await import('../support/csr.ts');
    const { ts, recordId, value, call } = await setup();
    const harness = h as AppHarness;
    expect(findButton(call.args.blocks, 'cert_attach_csr')).toMatchObject({ value });

    const view = (await modalAfter(harness, () =>
      harness.click('cert_attach_csr', { user: requesterId, messageTs: ts, value }),
    )) as { callback_id: string; private_metadata: string };
    const bad = await harness.submitView(view.callback_id, {
      user: requesterId,
      privateMetadata: view.private_metadata,
      values: { csr: { value: { type: 'plain_text_input', value: 'nope' } } },
    });
    const csr = await makeCsr({ commonName: 'shop.example.com' });
    const good = await harness.submitView(view.callback_id, {
      user: requesterId,
      privateMetadata: view.private_metadata,
      values: { csr: { value: { type: 'plain_text_input', value: csr } } },
    });
    const update = await harness.slack.waitForCall((c) => c.method === 'chat.update');

    expect(bad.json).toMatchObject({
      response_action: 'errors',
      errors: { csr: expect.stringContaining('No certificate request found') },
    });
    expect(good.status).toBe(200);
    expect(blocksText(update.args.blocks)).toContain('CN shop.example.com');
    expect(findButton(update.args.blocks, 'cert_attach_csr')).toBeUndefined();
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${recordId}`, 'csrPem')).toBe(csr.trim());
  });
});

describe('/cert status', () => {
  it('shows the request state and the live CAS state', async () => {
    const { order } = await setup();
    const harness = h as AppHarness;

    await harness.command(`status ${order.orderId}`);
    const answer = await harness.slack.waitForResponse((r) => String(r.body.text).includes('*CAS*'));

    expect(answer.body).toMatchObject({ response_type: 'ephemeral' });
    expect(answer.body.text).toContain('Waiting for approval');
    expect(answer.body.text).toContain(`*CAS* order \`${order.orderId}\`: issued`);
  });

  it('says when there is no request yet', async () => {
    h = await startAppHarness({ seed: { orders: [buildOrder({ orderId: '77' })] } });

    await h.command('status 77');
    const answer = await h.slack.waitForResponse();

    expect(answer.body.text).toContain('No renewal request for order `77` yet');
  });
});

describe('approver groups over time', () => {
  it('are looked up again after the cache expires, so a new member can approve', async () => {
    let now = Date.now();
    const order = buildOrder();
    h = await startAppHarness({
      seed: { orders: [order] },
      env: { CERT_APPROVERS: 'S0PLATFORM' },
      standIn: { usergroups: { S0PLATFORM: ['U0OLDMEMBER'] } },
      now: () => now,
      appDeps: { approverCacheMs: 1_000 },
    });
    const card = await openCard(h, String(order.orderId));
    await h.click('cert_approve', { user: 'U0NEWMEMBER', messageTs: card.ts, value: card.value });
    const refused = await h.slack.waitForResponse();
    h.slack.setUsergroup('S0PLATFORM', ['U0OLDMEMBER', 'U0NEWMEMBER']);
    now += 1_500;

    await h.click('cert_approve', { user: 'U0NEWMEMBER', messageTs: card.ts, value: card.value });
    await h.slack.waitForCall((c) => c.method === 'chat.update');

    expect(refused.body.text).toContain('can approve this renewal');
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'decidedBy')).toBe('U0NEWMEMBER');
    expect(h.slack.calls.filter((c) => c.method === 'usergroups.users.list')).toHaveLength(2);
  });

  it('fail closed: while Slack cannot list the group, its last members approve for a bounded time, then nobody', async () => {
    let now = Date.now();
    const [early, late] = [buildOrder(), buildOrder()];
    h = await startAppHarness({
      seed: { orders: [early, late] },
      env: { CERT_APPROVERS: 'S0PLATFORM', CERT_APPROVER_MAX_STALE_MINUTES: '10' },
      standIn: { usergroups: { S0PLATFORM: ['U0MEMBER'] } },
      now: () => now,
      appDeps: { approverCacheMs: 60_000 },
    });
    const [first, second] = [
      await openCard(h, String(early.orderId)),
      await openCard(h, String(late.orderId)),
    ];
    // Learn the members once, then Slack stops answering the lookup.
    const harness = h;
    await modalAfter(harness, () =>
      harness.click('cert_reject', { user: 'U0SOMEONE', messageTs: first.ts, value: first.value }),
    );
    h.slack.addFault({ method: 'usergroups.users.list', error: 'internal_error', times: 1_000 });
    now += 5 * 60_000;

    await h.click('cert_approve', { user: 'U0MEMBER', messageTs: first.ts, value: first.value });
    await h.waitForLog((e) => e.msg === 'renewal approved');
    now += 10 * 60_000;
    await h.click('cert_approve', { user: 'U0MEMBER', messageTs: second.ts, value: second.value });
    const refused = await h.slack.waitForResponse((r) => String(r.body.text).includes('approver group'));
    await h.click('cert_approve', { user: 'U0MEMBER', messageTs: second.ts, value: second.value });
    await h.slack.waitForResponse((r) => r !== refused && String(r.body.text).includes('approver group'));

    expect(await h.app.redis.hget(`${h.prefix}:renewal:${first.recordId}`, 'state')).toBe('approved');
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${second.recordId}`, 'state')).toBe('requested');
    expect(refused.body.text).toMatch(/cannot read the approver group .* nothing was decided/);
    // One lookup that worked, then one failed lookup per 30 s at most, not one per click.
    expect(h.slack.calls.filter((c) => c.method === 'usergroups.users.list')).toHaveLength(3);
  });
});
