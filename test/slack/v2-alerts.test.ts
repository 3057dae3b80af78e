import { afterEach, describe, expect, it } from 'vitest';
import type { InstanceCertificate, SubscriptionEnding } from '../../src/alerts/expiring-instances.ts';
import { renderAlert } from '../../src/slack/alert-messages.ts';
import {
  type AppHarness,
  approverId,
  blocksText,
  findButton,
  renewalRecordKeys,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { day, subscription } from '../support/v2-scan.ts';

const hostile = '<!channel> & <https://evil.example|co>';
const escaped = '&lt;!channel&gt; &amp; &lt;https://evil.example|co&gt;';
const end = Date.UTC(2030, 0, 10);

function cert(overrides: Partial<InstanceCertificate> = {}): InstanceCertificate {
  return {
    instanceId: 'cas-ivauto-abc123',
    domain: hostile,
    certificateId: '18541349',
    notBefore: end - 365 * day,
    notAfter: end,
    daysLeft: 100,
    percentLeft: 27,
    thresholdMs: Math.floor(0.33 * 365 * day),
    hosted: false,
    pending: false,
    ...overrides,
  };
}

const ending: SubscriptionEnding = {
  instanceId: 'cas_dv-cn-sub1',
  domain: hostile,
  status: 'willExpire',
  orderEndTime: end,
  daysLeft: 10,
  threshold: 14,
};

describe('V2 alerts are rendered in the Slack layer', () => {
  it('a V2 certificate row has Renew (cert_renew, the instance ID); a subscription and a hosted one have no button', () => {
    const messages = renderAlert({
      kind: 'expiry',
      channel: 'C0ALERTS',
      expiring: [],
      expired: [],
      certificates: [cert(), cert({ instanceId: 'cas-hosted-1', hosted: true, daysLeft: 10 })],
      subscriptions: [ending],
      hostingQuotaLeft: 0,
    });

    const [certs, hosted, subs] = messages.map((m) => m.message);
    expect(messages).toHaveLength(3);
    expect(findButton(certs?.blocks, 'cert_renew')).toMatchObject({ value: 'cas-ivauto-abc123' });
    expect(blocksText(certs?.blocks)).toContain('27% of its lifetime');
    for (const noButton of [hosted, subs]) {
      expect(noButton?.blocks.some((b) => b.type === 'actions')).toBe(false);
      expect(findButton(noButton?.blocks, 'cert_renew')).toBeUndefined();
    }
    expect(blocksText(hosted?.blocks)).toContain('CAS hosting has not rotated it');
    expect(blocksText(hosted?.blocks)).toContain('Alibaba Cloud DNS');
    expect(blocksText(hosted?.blocks)).toContain('*no hosting quota left*');
    expect(subs?.text).toContain('a purchase is needed');
    expect(blocksText(subs?.blocks)).toContain('yundun.console.aliyun.com');
    for (const m of messages) {
      const all = `${m.message.text}${JSON.stringify(m.message.blocks)}`;
      expect(all).toContain(escaped);
      expect(all).not.toContain('<!channel>');
      expect(all).not.toContain('&amp;lt;');
      expect(m.orders).toEqual([]);
    }
  });
});

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Real time: the app checks Slack signatures against it. */
async function v2Harness() {
  const start = Date.now();
  h = await startAppHarness({
    seed: {
      orders: [buildOrder({ orderId: '700000002', domain: 'v1.example.com', certEndTime: start + 5 * day })],
      subscriptions: [
        subscription('cas-long', start, { lifetimeDays: 365, daysLeft: 100 }),
        subscription(
          'cas-subend',
          start,
          { lifetimeDays: 100, daysLeft: 80 },
          { orderEndTime: start + 10 * day },
        ),
        { instanceId: 'cas-unused', domain: 'unused.example.com', orderStartTime: start - 40 * day },
      ],
    },
    worker: {},
    env: { CERT_ALERT_CHANNEL: 'C0ALERTS' },
  });
  return h;
}

const posts = (harness: AppHarness, title: string) =>
  harness.slack.okCalls('chat.postMessage').filter((c) => String(c.args.text).startsWith(title));

describe('V2 instances in Slack', () => {
  it('one subscription notice, no button, not again on the next scan; Renew on a V2 certificate row opens a rotation', async () => {
    const harness = await v2Harness();
    await harness.worker?.alerts.runScan();
    await harness.worker?.alerts.runScan();

    const subs = posts(harness, 'Subscriptions ending');
    expect(subs).toHaveLength(1);
    expect(blocksText(subs[0]?.args.blocks)).toContain('cas-subend');
    expect(findButton(subs[0]?.args.blocks, 'cert_renew')).toBeUndefined();
    const certs = posts(harness, 'Subscription certificates expiring soon');
    expect(certs).toHaveLength(1);
    const renew = findButton(certs[0]?.args.blocks, 'cert_renew');
    expect(renew).toMatchObject({ value: 'cas-long' });
    expect(posts(harness, 'Certificates expiring soon')).toHaveLength(1);

    const postsBefore = harness.slack.okCalls('chat.postMessage').length;
    await harness.click('cert_renew', {
      user: approverId,
      messageTs: certs[0]?.response.ts as string,
      value: renew?.value,
      channel: 'C0ALERTS',
    });
    const card = await harness.slack.waitForCall(
      (c) =>
        c.method === 'chat.postMessage' && blocksText(c.args.blocks).includes('Certificate rotation request'),
    );
    const recordId = findButton(card.args.blocks, 'cert_approve')?.value?.split('.')[0];
    await harness.waitForLog((e) => e.msg === 'renewal requested' && e.recordId === recordId);
    await harness.command('renew cas-long');
    const typed = await harness.slack.waitForResponse((r) => String(r.body.text).includes('already has'));

    // The V2 row's Renew opens a rotation (its card in the alert's channel); a second one links to it.
    expect(card.args.channel).toBe('C0ALERTS');
    expect(blocksText(card.args.blocks)).toContain('Free rotation');
    expect(typed.body.text).toContain('Subscription `cas-long` already has an open rotation request');
    expect(harness.slack.okCalls('chat.postMessage')).toHaveLength(postsBefore + 1);
    expect(await renewalRecordKeys(harness)).toHaveLength(1);
  });

  it('Snooze on a V2 certificate row snoozes the instance (approvers), in its audit trail', async () => {
    const harness = await v2Harness();
    await harness.worker?.alerts.runScan();
    const certs = posts(harness, 'Subscription certificates expiring soon');
    const snooze = findButton(certs[0]?.args.blocks, 'cert_snooze');

    await harness.click('cert_snooze', {
      user: approverId,
      messageTs: certs[0]?.response.ts as string,
      value: snooze?.value,
      channel: 'C0ALERTS',
    });
    const answer = await harness.slack.waitForResponse();

    expect(snooze).toMatchObject({ value: 'cas-long' });
    expect(answer.body.text).toContain('Alerts for instance `cas-long` are snoozed until');
    expect(await harness.app.redis.exists(`${harness.prefix}:snooze:cas-long`)).toBe(1);
  });

  it('/cert status <instanceId> shows the live instance; /cert list shows both kinds; /cert scan names unused subscriptions', async () => {
    const harness = await v2Harness();

    await harness.command('status cas-long');
    const status = await harness.slack.waitForResponse();
    await harness.command('list');
    const list = await harness.slack.waitForResponse((r) => String(r.body.text).includes('Expiring within'));
    await harness.command('scan', approverId);
    const scan = await harness.slack.waitForResponse((r) => String(r.body.text).startsWith('Scanned'));

    expect(harness.cas.sim.calls.filter((c) => c.action === 'GetInstanceDetail')).toHaveLength(1);
    expect(status.body.text).toContain('*V2 subscription* `cas-long`');
    expect(status.body.text).toContain('subscription normal');
    const listText = String(list.body.text);
    expect(listText).toContain('V1 plan order `700000002`');
    expect(listText).toContain('V2 subscription `cas-long`');
    expect(listText).toContain(
      'V2 subscription `cas-subend` · cas-subend.example.com · the subscription ends',
    );
    expect(scan.body.text).toContain('3 V2 subscriptions');
    expect(scan.body.text).toContain('paid for and never applied for: `cas-unused` (unused.example.com)');
  });
});
