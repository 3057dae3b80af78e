import { afterEach, describe, expect, it } from 'vitest';
import { RenewalRecord } from '../../src/renewals/record.ts';
import { decisionLine } from '../../src/slack/decision-lines.ts';
import { renderRotationCard } from '../../src/slack/rotation-card.ts';
import {
  type AppHarness,
  approverId,
  blocksText,
  findButton,
  openCard,
  renewalRecordKeys,
  requesterId,
} from '../support/app-harness.ts';
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
});
