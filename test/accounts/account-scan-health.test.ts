import { Queue, QueueEvents } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountScansFailed } from '../../src/accounts/account-alerts.ts';
import type { AccountsSimulator } from '../../src/cas-sim/accounts-sim.ts';
import { answerTo, startAccountsApp } from '../support/account-app.ts';
import { roleArns } from '../support/accounts.ts';
import { type AppHarness, approverId, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { testRedis } from '../support/redis.ts';

// Scan health is each account's own (issue: one shared counter let a failing account and a working one alternate on
// it, so "two failures in a row" was never reached); `/cert scan` keeps what the working accounts did.

let h: AppHarness | undefined;
let sim: AccountsSimulator | undefined;
afterEach(async () => {
  await h?.stop();
  await sim?.close();
  h = undefined;
  sim = undefined;
});

const shopOrder = buildOrder({ domain: 'www.shop.example.com' });
const payOrder = buildOrder({ domain: 'pay.example.com' });

/** Shop and payments each with an order; `yaml` changes the accounts file (payments' role, say). */
async function start(yaml: Parameters<typeof startAccountsApp>[2] = {}) {
  const started = await startAccountsApp(
    { shop: { orders: [shopOrder] }, pay: { orders: [payOrder] } },
    {},
    yaml,
  );
  h = started.h;
  sim = started.sim;
  return started;
}

/** The scan-health notices posted, as `channel: text`. */
const healthNotices = (harness: AppHarness) =>
  harness.slack
    .okCalls('chat.postMessage')
    .filter((c) => /Expiry scanning/.test(String(c.args.text)))
    .map((c) => `${String(c.args.channel)}: ${String(c.args.text)}`);

/** A watched scan (as the scheduled job runs it), resolving with the error it fails with. */
const failedScan = (harness: AppHarness) =>
  (harness.worker?.alerts.runWatchedScan() ?? Promise.reject(new Error('no worker'))).then(
    () => undefined,
    (err: unknown) => err,
  );

describe('scan health with an accounts file', () => {
  it("an account that always fails is reported after two scans, in its channel, naming it; the other's success does not reset it", async () => {
    const { h } = await start({ payRoleArn: roleArns.payLocked });

    const first = await failedScan(h);
    const afterOne = healthNotices(h);
    const second = await failedScan(h);
    await failedScan(h);

    expect(first).toBeInstanceOf(AccountScansFailed);
    expect(second).toMatchObject({ failed: [{ account: 'payments' }], succeeded: ['shop-prod'] });
    expect(afterOne).toEqual([]);
    expect(healthNotices(h)).toEqual([
      expect.stringMatching(
        /^C0PAY1: :rotating_light: \*Expiry scanning of account payments is failing\* \(2 runs in a row\): Account payments: STS refused/,
      ),
    ]);
    expect(await h.app.redis.hget(`${h.prefix}:scan-health:payments`, 'failures')).toBe('3');
    expect(await h.app.redis.exists(`${h.prefix}:scan-health:shop-prod`, `${h.prefix}:scan-health`)).toBe(0);
  });

  it('each account recovers on its own: shop working again posts its "works again" in its channel, none for payments', async () => {
    const { h, sim } = await start({ payRoleArn: roleArns.payLocked });
    sim.account('shop').faults.add({
      action: 'ListUserCertificateOrder',
      fault: { kind: 'error', status: 403, code: 'Forbidden.RAM', message: 'no permission' },
      times: 2,
    });

    for (let i = 0; i < 3; i++) await failedScan(h);

    const notices = healthNotices(h);
    expect(notices.filter((n) => n.startsWith('C0SHOP1: '))).toEqual([
      expect.stringMatching(
        /^C0SHOP1: :rotating_light: \*Expiry scanning of account shop-prod is failing\* \(2 runs/,
      ),
      'C0SHOP1: :white_check_mark: Expiry scanning of account shop-prod works again.',
    ]);
    expect(notices.filter((n) => n.startsWith('C0PAY1: '))).toEqual([
      expect.stringMatching(
        /^C0PAY1: :rotating_light: \*Expiry scanning of account payments is failing\* \(2 runs/,
      ),
    ]);
    expect(notices).toHaveLength(3);
  });
});

describe('the scheduled scan job when an account fails', () => {
  it('fails (so BullMQ retries it), naming the account, though the other account was scanned', async () => {
    const { h } = await start({ payRoleArn: roleArns.payLocked });
    const queue = new Queue('scans', { connection: testRedis(), prefix: h.prefix });
    const events = new QueueEvents('scans', { connection: testRedis(), prefix: h.prefix });
    await events.waitUntilReady();

    const job = await queue.add('expiry-scan-now', {});
    const outcome = await job.waitUntilFinished(events, 15_000).then(
      () => 'completed',
      (err: unknown) => (err as Error).message,
    );
    await events.close();
    await queue.close();

    expect(outcome).toBe('expiry scan failed for account payments');
    expect(h.slack.okCalls('chat.postMessage').map((c) => c.args.channel)).toContain('C0SHOP1');
  });
});

describe('/cert scan when an account fails', () => {
  it("shows what the working account did (its alert was posted) and the failed account's reason, escaped", async () => {
    const { h, sim } = await start();
    sim.account('pay').faults.add({
      action: 'ListUserCertificateOrder',
      fault: { kind: 'error', status: 403, code: 'Forbidden.RAM', message: 'no <!here> & permission' },
    });

    const answer = await answerTo(h, () => h.command('scan', approverId, { channel_id: 'C0SHOP1' }));

    const lines = String(answer.body.text).split('\n');
    expect(lines[0]).toBe(
      'Scanned 1 orders in account shop-prod: 1 expiring soon, 1 newly alerted in <#C0SHOP1>.',
    );
    expect(lines[1]).toMatch(/^:warning: Scan failed for account payments: .*Forbidden\.RAM/);
    expect(lines[1]).toContain('no &lt;!here&gt; &amp; permission');
    expect(lines).toHaveLength(2);
    expect(h.slack.okCalls('chat.postMessage').map((c) => c.args.channel)).toContain('C0SHOP1');
  });
});

describe('scan health without an accounts file', () => {
  it('keeps its one key and its notice names no account; /cert scan shows the error as before', async () => {
    h = await startAppHarness({ worker: {}, env: { CERT_ALERT_CHANNEL: 'C0ALERTS' } });
    h.cas.sim.faults.add({
      action: 'ListUserCertificateOrder',
      fault: { kind: 'error', status: 403, code: 'Forbidden.RAM', message: 'no permission' },
      times: 2,
    });

    const first = await failedScan(h);
    const answer = await answerTo(h, () => h?.command('scan', approverId) ?? Promise.resolve());

    expect(first).toMatchObject({ code: 'CAS_API_ERROR' });
    expect(first).not.toBeInstanceOf(AccountScansFailed);
    expect(String(answer.body.text)).toMatch(/^:warning: The expiry scan failed: .*Forbidden\.RAM/);
    expect(await h.app.redis.hget(`${h.prefix}:scan-health`, 'failures')).toBe('2');
    expect(healthNotices(h)).toEqual([
      expect.stringMatching(/^C0ALERTS: :rotating_light: \*Expiry scanning is failing\* \(2 runs in a row\)/),
    ]);
  });
});
