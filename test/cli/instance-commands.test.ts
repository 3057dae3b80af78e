import { afterEach, describe, expect, it } from 'vitest';
import type { SeedSubscription } from '../../src/cas-sim/subscription-model.ts';
import { runCasCli } from '../../src/cli/cas-cli.ts';
import { startCasSim } from '../support/cas.ts';
import { cliAgainst } from '../support/cli.ts';

type Harness = Awaited<ReturnType<typeof startCasSim>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const dayMs = 24 * 60 * 60 * 1000;

const cli = (url: string) => cliAgainst(url);

/** `count` subscriptions: the even ones issued (normal), the odd ones never applied (inactive). */
function subscriptions(count: number): SeedSubscription[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => ({
    instanceId: `cas_dv-cn-cli${String(i).padStart(2, '0')}`,
    domain: `cli${i}.example.com`,
    orderEndTime: now + 300 * dayMs,
    autoReissue: i === 0,
    certificates: i % 2 === 0 ? [{ notBefore: now - dayMs, notAfter: now + 90 * dayMs }] : [],
  }));
}

describe('npm run cas: V2.0 subscription instances', () => {
  it('instances prints every instance across short pages; --status filters', async () => {
    const subs = subscriptions(12);
    harness = await startCasSim({ subscriptions: subs, subscriptionApi: { pageCap: 5 } });
    const all = cli(harness.url);
    const inactive = cli(harness.url);

    expect(await runCasCli(['instances'], all.value)).toBe(0);
    expect(await runCasCli(['instances', '--status', 'inactive'], inactive.value)).toBe(0);

    const ids = (text: string) =>
      (JSON.parse(text) as Array<{ InstanceId: string }>).map((i) => i.InstanceId);
    expect(ids(all.out())).toEqual(subs.map((s) => s.instanceId));
    expect(ids(inactive.out())).toEqual(subs.filter((_, i) => i % 2 === 1).map((s) => s.instanceId));
    expect(harness.sim.calls.filter((c) => c.action === 'ListInstances')).toHaveLength(3 + 2);
  });

  it('instance <id> shows a subscription: certificate, its end, the subscription end, hosting', async () => {
    const subs = subscriptions(1);
    harness = await startCasSim({ subscriptions: subs });
    const shown = cli(harness.url);

    expect(await runCasCli(['instance', 'cas_dv-cn-cli00'], shown.value)).toBe(0);

    const certificate = subs[0]?.certificates?.[0];
    expect(JSON.parse(shown.out())).toMatchObject({
      InstanceId: 'cas_dv-cn-cli00',
      Status: 'normal',
      CertificateStatus: 'issued',
      CertificateNotAfter: certificate?.notAfter,
      OrderEndTime: subs[0]?.orderEndTime,
      AutoReissue: 'enable',
    });
  });

  it('a bad --status or an extra argument is refused, and nothing is called', async () => {
    harness = await startCasSim({ subscriptions: subscriptions(1) });
    const badStatus = cli(harness.url);
    const extra = cli(harness.url);

    expect(await runCasCli(['instances', '--status', 'revoked'], badStatus.value)).toBe(2);
    expect(await runCasCli(['instances', 'cas_dv-cn-cli00'], extra.value)).toBe(2);

    expect(badStatus.err()).toContain('--status is one of inactive, pending, normal');
    expect(extra.err()).toContain('instances takes no argument');
    expect(harness.sim.calls).toEqual([]);
  });
});
