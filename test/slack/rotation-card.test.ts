import { afterEach, describe, expect, it } from 'vitest';
import { notRequester } from '../../src/renewals/outcomes.ts';
import { RenewalRecord } from '../../src/renewals/record.ts';
import { renderApprovalCard } from '../../src/slack/approval-card.ts';
import { decisionLine } from '../../src/slack/decision-lines.ts';
import { csrModal, type ModalContext, rejectModal } from '../../src/slack/modals.ts';
import { renderRefusedFallback } from '../../src/slack/outbox-fallback.ts';
import { approvalQueuedLaterText, renderRefusal } from '../../src/slack/replies.ts';
import { renderRotationCard } from '../../src/slack/rotation-card.ts';
import { statusLine } from '../../src/slack/status-line.ts';
import { renderAttention } from '../../src/slack/thread-messages.ts';
import {
  type AppHarness,
  approverId,
  blocksText,
  findButton,
  openCard,
  renewalRecordKeys,
  requesterId,
} from '../support/app-harness.ts';
import { renewalAddFaults } from '../support/queue-faults.ts';
import { type RotationRig, rotated, rotationSubscription, startRotation } from '../support/rotation.ts';

let rig: RotationRig | undefined;
afterEach(async () => {
  await rig?.harness.stop();
  await rig?.tls?.close();
  rig = undefined;
});

const day = 86_400_000;
const posts = (h: AppHarness) => h.slack.okCalls('chat.postMessage');

/** `/cert renew <id>` and the private answer it gets. */
async function renewPrivately(h: AppHarness, id: string) {
  const before = h.slack.responses.length;
  await h.command(`renew ${id}`);
  return h.slack.waitForResponse((r) => h.slack.responses.indexOf(r) >= before);
}

describe('the rotation card, rendered', () => {
  it('says first it is a free rotation, escapes what CAS gave, and its Approve spends no plan quota', () => {
    const now = Date.UTC(2027, 0, 1);
    const record = RenewalRecord.parse({
      id: 'r1',
      kind: 'rotation',
      orderId: 'cas-ivauto-x1',
      instanceId: 'cas-ivauto-x1',
      state: 'requested',
      version: '1',
      channelId: 'C0CERTS',
      requestedBy: 'U0REQUESTER',
      requestedAt: String(now),
      expiresAt: String(now + day),
      domain: '<!channel> & <https://evil.example|co>',
      certIdBefore: '900000001',
      certNotBefore: String(now - 150 * day),
      certEndTime: String(now + 50 * day),
      quotaRemaining: '3',
    });

    const card = renderRotationCard(record, now);

    const text = `${card.text}${blocksText(card.blocks)}`;
    expect(card.blocks[0]).toMatchObject({
      block_id: 'decision_kind',
      elements: [{ text: decisionLine('rotation') }],
    });
    expect(decisionLine('rotation')).toContain('No plan quota is spent');
    expect(decisionLine('money')).toContain('plan quota');
    expect(text).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|co&gt;');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('(50 days, 25% of its lifetime left)');
    expect(text).toContain('*Certificate quota left (account)*\\n3');
    expect(text).not.toMatch(/spends one certificate of the plan quota/);
    expect(findButton(card.blocks, 'cert_approve')).toBeDefined();
  });
});

describe('what a person reads of a rotation says rotation and subscription; a renewal reads as before', () => {
  const now = Date.UTC(2027, 0, 1);
  const base = {
    state: 'requested',
    version: '3',
    channelId: 'C0CERTS',
    messageTs: '1700000000.000100',
    requestedBy: 'U0REQUESTER',
    requestedAt: String(now),
    expiresAt: String(now + day),
  };
  /** The stored hashes (strings, as in Redis) of a rotation and of a renewal. */
  const stored = {
    rotation: {
      ...base,
      id: 'rot1',
      kind: 'rotation',
      orderId: 'cas_dv-cn-abc123',
      instanceId: 'cas_dv-cn-abc123',
    },
    renewal: { ...base, id: 'ren1', orderId: '123456789' },
  };
  const rotation = RenewalRecord.parse(stored.rotation);
  const renewal = RenewalRecord.parse(stored.renewal);
  const failures = { code: 'run_failures' as const, failures: 5, lastError: 'boom' };
  const attentionOf = (kind: keyof typeof stored, attention: typeof failures & { instanceId?: string }) =>
    RenewalRecord.parse({ ...stored[kind], state: 'needs_attention', attention: JSON.stringify(attention) });

  it('run_failures names the subscription of a rotation, and the order of a renewal', () => {
    const ofRotation = attentionOf('rotation', { ...failures, instanceId: 'cas_dv-cn-abc123' });
    const rotationText =
      "the worker failed 5 times in a row on this request and stopped retrying. Last error: boom. Check the worker's logs and the subscription `cas_dv-cn-abc123` in the CAS console, then *Check CAS again* or *Close…*.";
    const renewalText =
      "the worker failed 5 times in a row on this request and stopped retrying. Last error: boom. Check the worker's logs and the order in the CAS console, then *Check CAS again* or *Close…*.";

    expect(renderAttention({ ...failures, instanceId: 'cas_dv-cn-abc123' })).toBe(rotationText);
    expect(renderAttention(failures)).toBe(renewalText);
    expect(statusLine(ofRotation)).toBe(`:warning: Needs attention: ${rotationText}`);
    expect(statusLine(attentionOf('renewal', failures))).toBe(`:warning: Needs attention: ${renewalText}`);
    // An ID from outside goes through code(): a backtick cannot close the span.
    expect(renderAttention({ ...failures, instanceId: 'x`<!here>' })).toContain(
      "the subscription `x'&lt;!here&gt;`",
    );
  });

  it("the card's attention section of a rotation says subscription; a renewal's says order", () => {
    const section = (kind: keyof typeof stored) => {
      const card = renderApprovalCard(attentionOf(kind, failures), now);
      return (card.blocks.find((b) => b.block_id === 'attention') as { text: { text: string } }).text.text;
    };

    expect(section('rotation')).toBe(
      '*A person must decide.* Check the subscription in the CAS console, then *Check CAS again* to let me look once more, or *Close* with what you found. Until then a new `/cert renew` of this subscription may open, and its expiry alerts go on.',
    );
    expect(section('renewal')).toBe(
      '*A person must decide.* Check the order in the CAS console, then *Check CAS again* to let me look once more, or *Close* with what you found. Until then a new `/cert renew` of this order may open, and its expiry alerts go on.',
    );
  });

  it('the Reject and Attach CSR modals of a rotation name its subscription; of a renewal, its order', () => {
    const context: ModalContext = { recordId: 'r', version: 3, channelId: 'C0CERTS', messageTs: '1.000001' };
    const intro = (view: ReturnType<typeof rejectModal>) =>
      (view.blocks[0] as { text: { text: string } }).text.text;

    expect(rejectModal(context, rotation).title?.text).toBe('Reject rotation');
    expect(intro(rejectModal(context, rotation))).toBe(
      'Reject the rotation of subscription `cas_dv-cn-abc123`?',
    );
    expect(rejectModal(context, renewal).title?.text).toBe('Reject renewal');
    expect(intro(rejectModal(context, renewal))).toBe('Reject the renewal of order `123456789`?');
    expect(intro(csrModal(context, rotation))).toBe(
      'Paste the PEM certificate request for subscription `cas_dv-cn-abc123`. Never paste a private key.',
    );
    expect(intro(csrModal(context, renewal))).toBe(
      'Paste the PEM certificate request for order `123456789`. Never paste a private key.',
    );
  });

  it('private answers: queued later and not the requester follow the kind; an unknown card is neutral', () => {
    const approvers = () => '<@U0APPROVER>';

    expect(approvalQueuedLaterText({ code: 'queued_later', rotation: true })).toBe(
      ':hourglass_flowing_sand: Your approval is recorded and stands; there is no need to approve again. I could not queue the rotation just now, so a worker will start it on its next sweep (every `CERT_SWEEP_INTERVAL_SECONDS`, 5 minutes by default). Its progress will appear in this thread.',
    );
    expect(approvalQueuedLaterText({ code: 'queued_later' })).toBe(
      ':hourglass_flowing_sand: Your approval is recorded and stands; there is no need to approve again. I could not queue the renewal just now, so a worker will start it on its next sweep (every `CERT_SWEEP_INTERVAL_SECONDS`, 5 minutes by default). Its progress will appear in this thread.',
    );
    expect(renderRefusal(notRequester(rotation), 'attach', approvers)).toBe(
      'Only the person who asked for this rotation can attach its CSR.',
    );
    expect(renderRefusal(notRequester(renewal), 'attach', approvers)).toBe(
      'Only the person who asked for this renewal can attach its CSR.',
    );
    expect(renderRefusal({ code: 'unknown_card' }, 'approve', approvers)).toBe(
      'This button does not belong to a request I know. Use `/cert status <orderId or instanceId>`.',
    );
  });

  it("the short fallback of a refused update names a rotation's subscription, a renewal's order", () => {
    expect(renderRefusedFallback(rotation, 'invalid_blocks').text).toBe(
      'Subscription cas_dv-cn-abc123: this update was too long to show',
    );
    expect(renderRefusedFallback(renewal, 'invalid_blocks').text).toBe(
      'Order 123456789: this update was too long to show',
    );
  });
});

describe('the rotation card and what opens nothing', () => {
  it('a hosted instance (AutoReissue=enable) gets a card without Approve that says CAS rotates it; nothing is created', async () => {
    // 100 days left: hosting has not applied yet (it does under 30).
    const now = Date.now();
    const certificates = [
      { certificateId: rotated.certId, notBefore: now - 100 * day, notAfter: now + 100 * day },
    ];
    rig = await startRotation(rotationSubscription({ autoReissue: true, certificates }), { worker: false });
    const h = rig.harness;

    await h.command(`renew ${rotated.instanceId}`);
    const card = await h.slack.waitForCall((c) => c.method === 'chat.postMessage' && c.response.ok === true);

    const text = blocksText(card.args.blocks);
    expect(text).toContain('Free rotation');
    expect(text).toContain('*Hosted by CAS*\\nyes');
    expect(text).toContain('CAS rotates this certificate by itself');
    expect(findButton(card.args.blocks, 'cert_approve')).toBeUndefined();
    expect(await renewalRecordKeys(h)).toEqual([]);
  });

  it.each([
    ['an instance CAS does not know', 'cas-ivauto-nope', {}, 'CAS does not know instance `cas-ivauto-nope`'],
    ['a refunded subscription', rotated.instanceId, { ended: 'refund' as const }, 'is `refund` in CAS'],
    [
      'an application already under way',
      rotated.instanceId,
      { appliedAt: Date.now() },
      'already has an application under way',
    ],
  ])('%s: a private answer naming it, nothing created, no card', async (_label, id, extra, answer) => {
    rig = await startRotation(rotationSubscription(extra), {
      worker: false,
      seed: { subscriptionApi: { taskMs: 300, issueMs: 600_000 } },
    });
    const h = rig.harness;

    const reply = await renewPrivately(h, id);

    expect(reply.body).toMatchObject({ response_type: 'ephemeral' });
    expect(String(reply.body.text)).toContain(answer);
    expect(String(reply.body.text)).toContain('Nothing was created');
    expect(posts(h)).toHaveLength(0);
    expect(await renewalRecordKeys(h)).toEqual([]);
  });

  it("a second /cert renew of an instance with an open request links to it; the V2 alert's Renew does too", async () => {
    rig = await startRotation(rotationSubscription(), { worker: false });
    const h = rig.harness;
    await h.command(`renew ${rotated.instanceId}`);
    const card = await h.slack.waitForCall((c) => c.method === 'chat.postMessage' && c.response.ok === true);
    const recordId = findButton(card.args.blocks, 'cert_approve')?.value?.split('.')[0];
    await h.waitForLog((e) => e.msg === 'renewal requested' && e.recordId === recordId);

    const typed = await renewPrivately(h, rotated.instanceId);
    const before = h.slack.responses.length;
    await h.click('cert_renew', { user: approverId, messageTs: '1.000001', value: rotated.instanceId });
    const clicked = await h.slack.waitForResponse((r) => h.slack.responses.indexOf(r) >= before);

    for (const r of [typed, clicked])
      expect(String(r.body.text)).toContain(
        `Subscription \`${rotated.instanceId}\` already has an open rotation request`,
      );
    expect(posts(h)).toHaveLength(1);
    expect(await renewalRecordKeys(h)).toHaveLength(1);
    // The rotation waits in the due schedule (its expiry and first reminder), with no expiry job of its own.
    expect((await h.app.redis.zrange(`${h.prefix}:request-due`, '0', '-1')).sort()).toEqual([
      `expire:${recordId}`,
      `remind_half:${recordId}`,
    ]);
    expect(await h.app.redis.keys(`${h.prefix}:bull:approvals:*`)).toEqual([]);
  });

  it('the requester of a rotation may not approve it when self-approval is off, and is told it is a rotation', async () => {
    rig = await startRotation(rotationSubscription(), {
      worker: false,
      env: { CERT_APPROVERS: `${requesterId},${approverId}` },
    });
    const h = rig.harness;
    const card = await openCard(h, rotated.instanceId);

    await h.click('cert_approve', { user: requesterId, messageTs: card.ts, value: card.value });
    const answer = await h.slack.waitForResponse((r) => String(r.body.text).startsWith('You asked'));

    expect(answer.body.text).toBe(
      'You asked for this rotation, so another approver must approve it (self-approval is off: CERT_ALLOW_SELF_APPROVAL).',
    );
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('requested');
  });

  it('an approval whose job could not be queued tells the approver the rotation (not a renewal) starts later', async () => {
    const faults = renewalAddFaults();
    rig = await startRotation(rotationSubscription(), { worker: false, appQueues: faults.install });
    const h = rig.harness;
    const card = await openCard(h, rotated.instanceId);
    faults.failNext();

    await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    const answer = await h.slack.waitForResponse((r) => String(r.body.text).includes('recorded and stands'));

    expect(answer.body.text).toContain('I could not queue the rotation just now');
    expect(answer.body.text).not.toMatch(/renewal/);
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('submitted');
  });
});
