import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { syncExpiryScanSchedule } from '../../src/jobs/queues.ts';
import { alertPosts, requestThrough, startAlertHarness } from '../support/alert-harness.ts';
import {
  type AppHarness,
  approverId,
  blocksText,
  findButton,
  otherApproverId,
  requesterId,
} from '../support/app-harness.ts';
import { testRedis } from '../support/redis.ts';

// Real time at the start: the app checks Slack signatures against this clock, and requests are signed now.
const start = Date.now();
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** A harness whose clock the test moves (see {@link startAlertHarness}). */
async function alertHarness(
  ordersByDays: Parameters<typeof startAlertHarness>[1],
  env: Record<string, string> = {},
) {
  const started = await startAlertHarness(start, ordersByDays, env);
  h = started.harness;
  return started;
}

describe('expiry scan and thresholds', () => {
  it('alerts each order once per threshold crossed, soonest first, never twice across scans and restarts', async () => {
    const { orders, advance, harness } = await alertHarness([40, 29, 13, 6, 2, 0]);
    const scan = () => harness.worker?.alerts.runScan();

    const first = await scan();
    const again = await scan();
    advance(2);
    const later = await scan();

    expect(first).toMatchObject({ expiring: 5, alerted: 5, channels: ['C0ALERTS'] });
    expect(again).toMatchObject({ alerted: 0 });
    expect(later).toMatchObject({ alerted: 1, expired: 1 });
    const [firstPost, laterPost] = alertPosts(harness);
    expect(firstPost?.args.channel).toBe('C0ALERTS');
    const listed = ((firstPost?.args.blocks ?? []) as Array<{ block_id?: string }>)
      .filter((b) => b.block_id?.startsWith('order-'))
      .map((b) => b.block_id?.slice(6));
    expect(listed).toEqual(
      [orders[5], orders[4], orders[3], orders[2], orders[1]].map((o) => String(o?.orderId)),
    );
    expect(blocksText(firstPost?.args.blocks)).toContain(`order \`${orders[4]?.orderId}\``);
    expect(findButton(firstPost?.args.blocks, 'cert_renew')).toMatchObject({
      value: String(orders[5]?.orderId),
    });
    expect(findButton(firstPost?.args.blocks, 'cert_snooze')).toBeDefined();
    expect(blocksText(laterPost?.args.blocks)).toContain(`order \`${orders[4]?.orderId}\``);
    expect(alertPosts(harness)).toHaveLength(2);
  });

  it('survives a restart of the worker without alerting again', async () => {
    const { harness } = await alertHarness([5, 12]);
    await harness.worker?.alerts.runScan();
    await harness.worker?.stop();
    const { startWorkerRole } = await import('../../src/roles/worker-role.ts');
    const { createCasClient } = await import('../../src/cas/client.ts');
    const { testCredentials } = await import('../support/secrets.ts');
    const { silentLogger } = await import('../../src/logger.ts');
    const restarted = await startWorkerRole({
      config: harness.config,
      logger: silentLogger,
      cas: createCasClient({ endpoint: harness.cas.url, credentials: () => testCredentials }),
      now: () => start,
    });

    const summary = await restarted.alerts.runScan();
    await restarted.stop();

    expect(summary).toMatchObject({ expiring: 2, alerted: 0 });
    expect(alertPosts(harness)).toHaveLength(1);
  });

  it('routes domains to channels by pattern, one message per channel', async () => {
    const { harness } = await alertHarness(
      [
        { days: 5, domain: 'a.shop.example.com' },
        { days: 6, domain: 'b.c.shop.example.com' },
        { days: 7, domain: 'api.example.com' },
        { days: 8, domain: 'blog.example.org' },
      ],
      { CERT_ALERT_ROUTES: '*.shop.example.com=C0SHOP,api.example.com=C0API' },
    );

    const summary = await harness.worker?.alerts.runScan();

    expect(summary?.channels.sort()).toEqual(['C0ALERTS', 'C0API', 'C0SHOP']);
    const byChannel = Object.fromEntries(
      alertPosts(harness).map((p) => [p.args.channel, String(p.args.text)]),
    );
    expect(byChannel.C0SHOP).toContain('a.shop.example.com');
    expect(byChannel.C0SHOP).toContain('b.c.shop.example.com');
    expect(byChannel.C0API).toContain('api.example.com');
    expect(byChannel.C0ALERTS).toContain('blog.example.org');
  });

  it('skips orders with a renewal in flight, and forgets renewed ones', async () => {
    const { orders, harness } = await alertHarness([5, 6]);
    await harness.command(`renew ${orders[0]?.orderId}`);
    await harness.waitForLog((e) => e.msg === 'renewal requested');

    const summary = await harness.worker?.alerts.runScan();

    expect(summary).toMatchObject({ expiring: 2, inFlight: 1, alerted: 1 });
  });

  it.each([
    ['issued', ['approved', 'submitting', 'submitted', 'issued']],
    [
      'issued, then deployed and checked',
      [
        'approved',
        'submitting',
        'submitted',
        'deployment_proposed',
        'issued',
        'deploy_approved',
        'deploy_creating',
        'deploy_started',
        'deploy_finished',
        'tls_checked',
      ],
    ],
  ] as const)(
    'forgets an alerted order once its renewal is %s, and does not alert it again',
    async (_label, steps) => {
      const { orders, advance, harness } = await alertHarness([10]);
      const orderId = String(orders[0]?.orderId);
      await harness.worker?.alerts.runScan();
      expect(await harness.app.redis.exists(`${harness.prefix}:alert:${orderId}`)).toBe(1);
      await requestThrough(harness, orderId, steps);
      advance(4);

      const summary = await harness.worker?.alerts.runScan();

      expect(summary).toMatchObject({ alerted: 0 });
      expect(await harness.app.redis.exists(`${harness.prefix}:alert:${orderId}`)).toBe(0);
      expect(alertPosts(harness)).toHaveLength(1);
    },
  );

  it('posts one final alert when an alerted order expires without a renewal', async () => {
    const { orders, advance, harness } = await alertHarness([2]);
    await harness.worker?.alerts.runScan();
    advance(3);

    const expired = await harness.worker?.alerts.runScan();
    const again = await harness.worker?.alerts.runScan();

    expect(expired).toMatchObject({ expired: 1 });
    expect(again).toMatchObject({ expired: 0, alerted: 0 });
    const final = harness.slack.calls.find((c) =>
      String(c.args.text).startsWith('Certificates expired without a renewal'),
    );
    expect(blocksText(final?.args.blocks)).toContain(`order \`${orders[0]?.orderId}\``);
  });

  it('a final alert of many expired orders with long names is split, and names every order', async () => {
    const long = (i: number) => `${'very-long-subdomain-name-'.repeat(4)}${i}.example.com`;
    const { orders, advance, harness } = await alertHarness(
      Array.from({ length: 45 }, (_, i) => ({ days: 2, domain: long(i) })),
    );
    await harness.worker?.alerts.runScan();
    advance(3);

    const summary = await harness.worker?.alerts.runScan();

    const finals = harness.slack
      .okCalls('chat.postMessage')
      .filter((c) => String(c.args.text).startsWith('Certificates expired without a renewal'));
    expect(summary).toMatchObject({ expired: 45 });
    expect(finals).toHaveLength(3);
    const shown = finals.map((c) => blocksText(c.args.blocks)).join('');
    for (const order of orders) expect(shown).toContain(`order \`${order.orderId}\``);
  });

  it('pages 2,500 orders at no more than 10 calls per second, with the fewest calls', async () => {
    const { harness } = await alertHarness(Array.from({ length: 2_500 }, () => 200));

    const summary = await harness.worker?.alerts.runScan();

    const lists = harness.cas.sim.calls.filter((c) => c.action === 'ListUserCertificateOrder');
    expect(summary).toMatchObject({ scanned: 2_500, expiring: 0 });
    expect(lists.every((c) => c.outcome === undefined)).toBe(true);
    // 50 per page (the documented page size), and one call to learn the total.
    expect(lists).toHaveLength(51);
    const busiest = Math.max(
      ...lists.map((c) => lists.filter((d) => d.at >= c.at && d.at < c.at + 1000).length),
    );
    expect(busiest).toBeLessThanOrEqual(10);
  });
});

describe('watching the watcher', () => {
  it('posts one notice after two failed scans in a row, and one when scanning recovers', async () => {
    const { harness } = await alertHarness([5]);
    harness.cas.sim.faults.add({
      action: 'ListUserCertificateOrder',
      fault: { kind: 'error', status: 403, code: 'Forbidden.RAM', message: 'no permission' },
      times: 3,
    });
    const run = () =>
      harness.worker?.alerts.runWatchedScan().then(
        () => 'ok',
        () => 'failed',
      );

    const outcomes = [await run(), await run(), await run(), await run(), await run()];

    expect(outcomes).toEqual(['failed', 'failed', 'failed', 'ok', 'ok']);
    const notices = harness.slack.calls.filter(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.args.channel === 'C0ALERTS' &&
        /Expiry scanning/.test(String(c.args.text)),
    );
    expect(notices.map((n) => String(n.args.text))).toEqual([
      expect.stringMatching(/^:rotating_light: \*Expiry scanning is failing\* \(2 runs in a row\)/),
      ':white_check_mark: Expiry scanning works again.',
    ]);
    expect(String(notices[0]?.args.text)).toContain('Forbidden.RAM');
  });
});

describe('alert buttons and commands', () => {
  it('Renew on an alert opens the approval flow in that channel', async () => {
    const { orders, harness } = await alertHarness([5]);
    await harness.worker?.alerts.runScan();
    const alert = alertPosts(harness)[0];

    await harness.click('cert_renew', {
      user: requesterId,
      messageTs: alert?.response.ts as string,
      value: String(orders[0]?.orderId),
      channel: 'C0ALERTS',
    });
    const card = await harness.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.args.text).startsWith('Certificate renewal request'),
    );

    expect(card.args.channel).toBe('C0ALERTS');
    expect(findButton(card.args.blocks, 'cert_approve')).toBeDefined();
  });

  it('Snooze by an approver silences the order for 7 days, in the audit trail and the thread; others may not', async () => {
    const { orders, advance, harness } = await alertHarness([20]);
    await harness.worker?.alerts.runScan();
    const alert = alertPosts(harness)[0];
    const ts = alert?.response.ts as string;
    const orderId = String(orders[0]?.orderId);

    await harness.click('cert_snooze', {
      user: 'U0NOBODY',
      messageTs: ts,
      value: orderId,
      channel: 'C0ALERTS',
    });
    const refused = await harness.slack.waitForResponse();
    await harness.click('cert_snooze', {
      user: approverId,
      messageTs: ts,
      value: orderId,
      channel: 'C0ALERTS',
    });
    await harness.slack.waitForCall(
      (c) => c.args.thread_ts === ts && String(c.args.text).includes('snoozed alerts'),
    );
    advance(7);
    const snoozed = await harness.worker?.alerts.runScan();

    expect(refused.body.text).toContain('can snooze expiry alerts');
    expect(snoozed).toMatchObject({ snoozed: 1, alerted: 0 });
    const audit = await harness.app.redis.lrange(`${harness.prefix}:order-audit:${orderId}`, 0, -1);
    expect(audit.map((a) => JSON.parse(a))).toEqual([
      expect.objectContaining({ actor: approverId, action: 'snoozed' }),
    ]);
  });

  it('/cert list shows orders expiring within the largest threshold, soonest first, only to the caller', async () => {
    const { orders, harness } = await alertHarness([40, 20, 3]);

    await harness.command('list');
    const answer = await harness.slack.waitForResponse();

    expect(answer.body.response_type).toBe('ephemeral');
    const text = String(answer.body.text);
    expect(text.indexOf(String(orders[2]?.orderId))).toBeLessThan(text.indexOf(String(orders[1]?.orderId)));
    expect(text).not.toContain(String(orders[0]?.orderId));
  });

  it('/cert scan runs the scan for approvers and refuses others', async () => {
    const { harness } = await alertHarness([5]);

    await harness.command('scan', 'U0NOBODY');
    const refused = await harness.slack.waitForResponse();
    await harness.command('scan', approverId);
    const summary = await harness.slack.waitForResponse((r) => String(r.body.text).startsWith('Scanned'));

    expect(refused.body.text).toBe(`Only <@${approverId}>, <@${otherApproverId}> can run the expiry scan.`);
    expect(summary.body.text).toBe('Scanned 1 orders: 1 expiring soon, 1 newly alerted in <#C0ALERTS>.');
  });
});

describe('the schedule', () => {
  it('exists exactly once however many processes upsert it, in the configured zone', async () => {
    const { harness } = await alertHarness([], {
      CERT_ALERT_CRON: '0 8 * * 1-5',
      CERT_TIMEZONE: 'Asia/Shanghai',
    });
    const queues = Array.from(
      { length: 3 },
      () => new Queue('scans', { connection: testRedis(), prefix: harness.prefix }),
    );

    await Promise.all(queues.map((q) => syncExpiryScanSchedule(q, harness.config.alerts)));
    const schedulers = await queues[0]?.getJobSchedulers();
    for (const q of queues) await q.close();

    expect(schedulers).toEqual([
      expect.objectContaining({ key: 'expiry-scan', pattern: '0 8 * * 1-5', tz: 'Asia/Shanghai' }),
    ]);
  });
});
