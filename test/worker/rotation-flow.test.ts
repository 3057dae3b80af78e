import { afterEach, describe, expect, it } from 'vitest';
import { approverId, blocksText, channelId, findButton } from '../support/app-harness.ts';
import {
  applicationsActed,
  approveRotation,
  callsOf,
  deployFromCard,
  neverIssues,
  type RotationRig,
  rotated,
  rotationSubscription,
  startRotation,
  threadUntil,
  withdrawnRotation,
} from '../support/rotation.ts';

let rig: RotationRig | undefined;
afterEach(async () => {
  await rig?.harness.stop();
  await rig?.tls?.close();
  rig = undefined;
});

describe('a V2 rotation from /cert renew <instanceId> to the TLS proof', () => {
  it('free rotation card → Approve → one ApplyCertificate, no Renew → DCV → new certificate issued → deployed to the old one’s resources → serving it on 2 of 2 endpoints', async () => {
    rig = await startRotation(rotationSubscription());
    const h = rig.harness;

    const card = await approveRotation(h);
    const cardText = blocksText(card.call.args.blocks);
    await deployFromCard(h, card.ts);
    const thread = await threadUntil(h, card.ts, /Serving the new certificate on/);

    expect(cardText).toMatch(/^\[\{"type":"context","block_id":"decision_kind".*Free rotation/);
    expect(cardText).toContain('No plan quota is spent');
    expect(cardText).toContain(rotated.certId);
    expect(cardText).toContain('(29 days, 14% of its lifetime left)');
    expect(cardText).toContain('*Certificate quota left (account)*\\n10');
    expect(callsOf(h, 'RenewCertificateOrderForPackageRequest')).toHaveLength(0);
    expect(callsOf(h, 'ApplyCertificate')).toHaveLength(1);
    expect(applicationsActed(h)).toBe(1);
    // The instance already had the planned application: nothing to update.
    expect(callsOf(h, 'UpdateInstance')).toHaveLength(0);
    const newCertId = h.cas.sim.subscriptions.mustGet(rotated.instanceId).certificates.at(-1)?.certificateId;
    expect(newCertId).not.toBe(rotated.certId);
    expect(thread).toContainEqual(expect.stringContaining('• Name: `_dnsauth.rot.example.com`'));
    // Approving a rotation queues an application, not a renewal.
    expect(thread[0]).toMatch(
      /^:inbox_tray: Approved by .*Queued: the bot applies for the next certificate\.$/,
    );
    expect(thread).toContainEqual(
      `:white_check_mark: Rotation issued: subscription \`${rotated.instanceId}\` has new certificate \`${newCertId}\` (replacing \`${rotated.certId}\`). Download it and its key from the CAS console; the key is never posted here.`,
    );
    expect(thread.at(-1)).toBe(':white_check_mark: Serving the new certificate on 2 of 2 endpoints.');
    const job = [...h.cas.sim.deployments.jobs.values()][0];
    expect(job?.certIds).toEqual([newCertId]);
    const record = await h.app.redis.hgetall(`${h.prefix}:renewal:${card.recordId}`);
    expect(record).toMatchObject({
      kind: 'rotation',
      state: 'issued',
      certIdBefore: rotated.certId,
      newCertId,
    });
    expect(await h.app.redis.hget(`${h.prefix}:deployment:${card.recordId}`, 'oldCertId')).toBe(
      rotated.certId,
    );
  });

  it('settings that differ from the instance are sent with UpdateInstance first, then ApplyCertificate once', async () => {
    rig = await startRotation(rotationSubscription(), { env: { CERT_VALIDATION_METHOD: 'HTTP' } });
    const h = rig.harness;

    const card = await approveRotation(h);
    await threadUntil(h, card.ts, /Domain validation needed/);

    const order = h.cas.sim.calls
      .map((c) => c.action)
      .filter((a) => a === 'UpdateInstance' || a === 'ApplyCertificate');
    expect(order).toEqual(['UpdateInstance', 'ApplyCertificate']);
    expect(callsOf(h, 'UpdateInstance')[0]?.params).toMatchObject({ ValidationMethod: 'HTTP' });
  });

  it('a failed application task: its TaskMessage (escaped) in the thread from the task poll, and the request ends failed', async () => {
    const message = 'Domain <b>rot</b> & co is on the CA <!channel> blocklist';
    rig = await startRotation(rotationSubscription({ applyOutcomes: [{ task: 'failed', message }] }));
    const h = rig.harness;

    const card = await approveRotation(h);
    const thread = await threadUntil(h, card.ts, /Rotation failed/);

    const failed = thread.find((t) => t.startsWith(':x: Rotation failed')) ?? '';
    expect(failed).toContain(
      'Domain &lt;b&gt;rot&lt;/b&gt; &amp; co is on the CA &lt;!channel&gt; blocklist',
    );
    expect(failed).not.toContain('<!channel>');
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('failed');
    // Decided from the task: the instance was not read after the application.
    const applyAt = h.cas.sim.calls.findIndex((c) => c.action === 'ApplyCertificate');
    expect(h.cas.sim.calls.slice(applyAt).filter((c) => c.action === 'GetInstanceDetail')).toHaveLength(0);
    expect(callsOf(h, 'ApplyCertificate')).toHaveLength(1);
    expect(thread.some((t) => t.includes('Rotation issued'))).toBe(false);
  });

  it('a withdrawn application (normal again, its old CertificateId) is not issued: a person is told', async () => {
    rig = await startRotation(rotationSubscription(), { seed: neverIssues });
    const h = rig.harness;

    const { card, thread, attentionCard } = await withdrawnRotation(h);

    const attention = thread.find((t) => t.includes('Needs attention')) ?? '';
    expect(attention).toContain(
      `is \`normal\` again with the certificate it had before (\`${rotated.certId}\`)`,
    );
    expect(attention).toContain('nothing was issued');
    expect(thread.some((t) => t.includes('Rotation issued'))).toBe(false);
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('needs_attention');
    expect(h.slack.thread(channelId, card.ts).some((m) => findButton(m.blocks, 'cert_deploy'))).toBe(false);

    // Check CAS again looks at the instance once more: never a second application, still not issued.
    const value = findButton(attentionCard.args.blocks, 'cert_recheck')?.value;
    await h.click('cert_recheck', { user: approverId, messageTs: card.ts, value });
    await h.slack.waitForThread(channelId, card.ts, thread.length + 2, 15_000);
    const again = h.slack.thread(channelId, card.ts).map((m) => m.text);
    expect(again.at(-2)).toMatch(/asked me to check CAS again.*Nothing is applied for again/);
    expect(again.at(-1)).toContain('nothing was issued');
    expect(callsOf(h, 'ApplyCertificate')).toHaveLength(1);
  });
});
