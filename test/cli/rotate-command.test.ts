import { afterEach, describe, expect, it } from 'vitest';
import type { SeedSubscription, SubscriptionBehaviour } from '../../src/cas-sim/subscription-model.ts';
import { runCasCli } from '../../src/cli/cas-cli.ts';
import { startCasSim, testContactId } from '../support/cas.ts';
import { cliAgainst } from '../support/cli.ts';

type Harness = Awaited<ReturnType<typeof startCasSim>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const dayMs = 24 * 60 * 60 * 1000;

const cli = cliAgainst;

/** An issued subscription: a 200-day certificate with 20 days left, applied for with DNS and the test contact. */
function subscription(overrides: Partial<SeedSubscription> = {}): SeedSubscription {
  const now = Date.now();
  return {
    instanceId: 'cas_dv-cn-rot01',
    domain: 'rotate.example.com',
    orderEndTime: now + 300 * dayMs,
    certificates: [{ certificateId: '7001', notBefore: now - 180 * dayMs, notAfter: now + 20 * dayMs }],
    ...overrides,
  };
}

async function start(subs: SeedSubscription[], behaviour: SubscriptionBehaviour = {}) {
  harness = await startCasSim({ subscriptions: subs, subscriptionApi: behaviour });
  return harness;
}

/** How many calls of `action` the simulator received. */
const count = (h: Harness, action: string) => h.sim.calls.filter((c) => c.action === action).length;

describe('npm run cas -- rotate <instanceId>', () => {
  it('shows what it will do and asks; answering no sends no UpdateInstance and no ApplyCertificate', async () => {
    const h = await start([subscription()]);
    const run = cli(h.url, 'n');

    expect(await runCasCli(['rotate', 'cas_dv-cn-rot01'], run.value)).toBe(1);

    expect(run.asked).toEqual(['Apply for a new certificate on instance cas_dv-cn-rot01? [y/N] ']);
    expect(run.err()).toContain('domain:       rotate.example.com');
    expect(run.err()).toMatch(/certificate: {2}7001 \(willExpire\), not after \S+, 1?9 days left/);
    expect(run.err()).toContain('method:       DNS validation');
    expect(run.err()).toContain('key:          made by CAS (RSA_2048)');
    expect(run.err()).toContain(`contacts:     ${testContactId}`);
    expect(run.err()).toContain('Not applied.');
    expect(count(h, 'GetInstanceDetail')).toBe(1);
    expect(count(h, 'UpdateInstance')).toBe(0);
    expect(count(h, 'ApplyCertificate')).toBe(0);
  });

  it('without a terminal it needs --yes, and sends nothing without it', async () => {
    const h = await start([subscription()]);
    const run = cli(h.url);

    expect(await runCasCli(['rotate', 'cas_dv-cn-rot01'], run.value)).toBe(2);

    expect(run.err()).toContain('add --yes to confirm');
    expect(count(h, 'ApplyCertificate')).toBe(0);
  });

  it('--yes applies once; unchanged settings send no UpdateInstance; the task is read once', async () => {
    const h = await start([subscription()]);
    const run = cli(h.url);
    const after = cli(h.url);

    expect(await runCasCli(['rotate', 'cas_dv-cn-rot01', '--yes'], run.value)).toBe(0);

    expect(count(h, 'UpdateInstance')).toBe(0);
    expect(count(h, 'ApplyCertificate')).toBe(1);
    expect(count(h, 'GetTaskAttribute')).toBe(1);
    expect(JSON.parse(run.out())).toMatchObject({
      instanceId: 'cas_dv-cn-rot01',
      previousCertificateId: '7001',
      updated: [],
      taskStatus: 'processing',
      next: 'npm run cas -- instance cas_dv-cn-rot01',
    });
    expect(await runCasCli(['instance', 'cas_dv-cn-rot01'], after.value)).toBe(0);
    expect(JSON.parse(after.out())).toMatchObject({ Status: 'pending', CertificateId: '7001' });
  });

  it('settings that differ go through UpdateInstance first, then one ApplyCertificate', async () => {
    const h = await start([subscription()]);
    const run = cli(h.url, 'yes');
    const after = cli(h.url);

    expect(await runCasCli(['rotate', 'cas_dv-cn-rot01', '--method', 'HTTP'], run.value)).toBe(0);

    expect(run.err()).toContain('UpdateInstance (changes: method), then ApplyCertificate once');
    const writes = h.sim.calls
      .map((c) => c.action)
      .filter((a) => a === 'UpdateInstance' || a === 'ApplyCertificate');
    expect(writes).toEqual(['UpdateInstance', 'ApplyCertificate']);
    expect(JSON.parse(run.out())).toMatchObject({ updated: ['method'] });
    expect(await runCasCli(['instance', 'cas_dv-cn-rot01'], after.value)).toBe(0);
    expect(JSON.parse(after.out())).toMatchObject({ ValidationMethod: 'HTTP', Status: 'pending' });
  });

  it('an instance never applied for gets its whole application, then one ApplyCertificate', async () => {
    const h = await start([subscription({ certificates: [] })]);
    const run = cli(h.url);

    expect(await runCasCli(['rotate', 'cas_dv-cn-rot01', '--yes'], run.value)).toBe(0);

    expect(run.err()).toContain('certificate:  none issued yet');
    expect(JSON.parse(run.out())).toMatchObject({
      previousCertificateId: null,
      updated: ['method', 'key', 'contacts'],
    });
    expect(count(h, 'UpdateInstance')).toBe(1);
    expect(count(h, 'ApplyCertificate')).toBe(1);
  });

  it('a hosted instance is refused (CAS rotates it); --force applies by hand', async () => {
    const h = await start([subscription({ autoReissue: true })]);
    const refused = cli(h.url);
    const forced = cli(h.url);

    expect(await runCasCli(['rotate', 'cas_dv-cn-rot01', '--yes'], refused.value)).toBe(1);
    expect(refused.err()).toContain('is hosted (AutoReissue=enable)');
    expect(refused.err()).toContain('--force');
    expect(count(h, 'ApplyCertificate')).toBe(0);

    expect(await runCasCli(['rotate', 'cas_dv-cn-rot01', '--yes', '--force'], forced.value)).toBe(0);
    expect(forced.err()).toContain('hosted:       yes (AutoReissue=enable); applying by hand (--force)');
    expect(count(h, 'ApplyCertificate')).toBe(1);
  });

  it('refunded, closed, expired and pending instances are refused, --force or not, and nothing is sent', async () => {
    const now = Date.now();
    const h = await start([
      subscription({ instanceId: 'cas-refund', ended: 'refund' }),
      subscription({ instanceId: 'cas-closed', ended: 'closed' }),
      subscription({
        instanceId: 'cas-expired',
        orderStartTime: now - 400 * dayMs,
        orderEndTime: now - dayMs,
      }),
      subscription({ instanceId: 'cas-pending', appliedAt: now - 60_000 }),
    ]);
    const runs = {
      refund: cli(h.url),
      closed: cli(h.url),
      expired: cli(h.url),
      pending: cli(h.url),
    };

    expect(await runCasCli(['rotate', 'cas-refund', '--yes', '--force'], runs.refund.value)).toBe(1);
    expect(await runCasCli(['rotate', 'cas-closed', '--yes'], runs.closed.value)).toBe(1);
    expect(await runCasCli(['rotate', 'cas-expired', '--yes'], runs.expired.value)).toBe(1);
    expect(await runCasCli(['rotate', 'cas-pending', '--yes', '--force'], runs.pending.value)).toBe(1);

    expect(runs.refund.err()).toContain('cas-refund is refunded (Status=refund)');
    expect(runs.closed.err()).toContain('cas-closed is closed (Status=closed)');
    expect(runs.expired.err()).toContain('cas-expired is expired (Status=expired)');
    expect(runs.expired.err()).toContain('needs a new purchase in the CAS console');
    expect(runs.pending.err()).toContain('already has an application under way (Status=pending');
    expect(count(h, 'UpdateInstance')).toBe(0);
    expect(count(h, 'ApplyCertificate')).toBe(0);
  });

  it('a malformed ID is refused before any call; an unknown one is named; neither applies', async () => {
    const h = await start([subscription()]);
    const malformed = cli(h.url);
    const unknown = cli(h.url);

    expect(await runCasCli(['rotate', '../etc/passwd', '--yes'], malformed.value)).toBe(2);
    expect(malformed.err()).toContain(
      'rotate needs an instance ID, e.g. npm run cas -- rotate cas-ivauto-abc123',
    );
    expect(h.sim.calls).toEqual([]);

    expect(await runCasCli(['rotate', 'cas_dv-cn-nosuch', '--yes'], unknown.value)).toBe(1);
    expect(unknown.err()).toContain('has no instance cas_dv-cn-nosuch (NotFound)');
    expect(count(h, 'ApplyCertificate')).toBe(0);
  });

  it("a refused application's TaskMessage is printed, with exit code 1", async () => {
    const h = await start(
      [subscription({ applyOutcomes: [{ task: 'failed', message: 'The domain has a CAA record.' }] })],
      { taskMs: 0 },
    );
    const run = cli(h.url);

    expect(await runCasCli(['rotate', 'cas_dv-cn-rot01', '--yes'], run.value)).toBe(1);

    expect(JSON.parse(run.out())).toMatchObject({
      taskStatus: 'failed',
      taskMessage: 'The domain has a CAA record.',
    });
    expect(run.err()).toContain('CAS refused the application: The domain has a CAA record.');
    expect(count(h, 'ApplyCertificate')).toBe(1);
  });
});
