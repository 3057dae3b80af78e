import { afterEach, describe, expect, it } from 'vitest';
import { instantMs } from '../../src/cas/subscription-schemas.ts';
import type { SeedSubscription } from '../../src/cas-sim/subscription-model.ts';
import { buildOrder, startCasSim, testContactId } from '../support/cas.ts';

type Harness = Awaited<ReturnType<typeof startCasSim>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const dayMs = 24 * 60 * 60 * 1000;
const start = Date.UTC(2026, 5, 1);

/** One clock for the simulator and the client (the client signs with it, the simulator checks against it). */
function clock() {
  let t = start;
  return {
    now: () => t,
    advance(ms: number): void {
      t += ms;
    },
  };
}

/** A subscription with one certificate that ends in `daysLeft` days. */
function issued(
  instanceId: string,
  daysLeft: number,
  extra: Partial<SeedSubscription> = {},
): SeedSubscription {
  return {
    instanceId,
    domain: `${instanceId}.example.com`,
    orderStartTime: start - 100 * dayMs,
    orderEndTime: start + 300 * dayMs,
    certificates: [{ notBefore: start - 100 * dayMs, notAfter: start + daysLeft * dayMs }],
    ...extra,
  };
}

async function started(subscriptions: SeedSubscription[], more: Parameters<typeof startCasSim>[0] = {}) {
  const c = clock();
  harness = await startCasSim({ ...more, subscriptions }, { now: c.now });
  return { c, client: harness.client({ now: c.now }), sim: harness.sim };
}

describe('the V2.0 subscription calls of the typed client, against the simulator', () => {
  it('pages to TotalCount when the service answers fewer rows than asked (short pages mid-list)', async () => {
    const subs = Array.from({ length: 20 }, (_, i) => issued(`cas_dv-cn-p${String(i).padStart(2, '0')}`, 90));
    const { client, sim } = await started(subs, { subscriptionApi: { pageCap: 7 } });

    const all = await client.listAllInstances({ status: 'normal' });
    const one = await client.listInstances({ currentPage: 2, showSize: 5 });

    expect(all.map((i) => i.InstanceId)).toEqual(subs.map((s) => s.instanceId));
    const listCalls = sim.calls.filter((c) => c.action === 'ListInstances');
    expect(listCalls.map((c) => [c.params.CurrentPage, c.params.ShowSize, c.params.Status])).toEqual([
      ['1', '100', 'normal'],
      ['2', '100', 'normal'],
      ['3', '100', 'normal'],
      ['2', '5', undefined],
    ]);
    expect(one).toMatchObject({ TotalCount: 20, CurrentPage: 2, ShowSize: 5 });
    expect(one.InstanceList.map((i) => i.InstanceId)).toEqual(subs.slice(5, 10).map((s) => s.instanceId));
  });

  it('an application task succeeds, then issues a new certificate on the same instance', async () => {
    const { c, client } = await started([issued('cas_dv-cn-rot', 20)]);
    const before = await client.getInstanceDetail('cas_dv-cn-rot');

    await client.applyCertificate('cas_dv-cn-rot');
    const running = await client.getTaskAttribute('cas_dv-cn-rot');
    c.advance(5_000);
    const done = await client.getTaskAttribute('cas_dv-cn-rot');
    const pending = await client.getInstanceDetail('cas_dv-cn-rot');
    c.advance(120_000);
    const after = await client.getInstanceDetail('cas_dv-cn-rot');
    const certs = await client.listAllCertificates({ instanceId: 'cas_dv-cn-rot' });

    expect(before).toMatchObject({ Status: 'normal', CertificateStatus: 'willExpire' });
    expect(running).toMatchObject({ TaskStatus: 'processing' });
    expect([done.TaskStatus, done.TaskMessage]).toEqual(['success', undefined]);
    expect(pending).toMatchObject({ Status: 'pending', CertificateId: before.CertificateId });
    expect(pending.DomainValidationList).toHaveLength(1);
    expect(after).toMatchObject({ Status: 'normal', CertificateStatus: 'issued' });
    expect(after.CertificateId).not.toBe(before.CertificateId);
    expect(after.CertIdentifier).toBe(`${after.CertificateId}-cn-hangzhou`);
    // Issued in June 2026: at most 200 days (CA/B Forum schedule).
    expect(after.CertificateNotAfter).toBe(start + 125_000 + 200 * dayMs);
    expect(certs.map((x) => x.CertificateId)).toEqual([before.CertificateId, after.CertificateId]);
  });

  it('a failed task answers its TaskMessage, and the instance keeps its certificate', async () => {
    const { c, client, sim } = await started([
      issued('cas_dv-cn-seeded', 20, {
        applyOutcomes: [{ task: 'failed', message: 'CAA record forbids DigiCert' }],
      }),
      issued('cas_dv-cn-injected', 20),
    ]);
    sim.subscriptions.failNextApplication('cas_dv-cn-injected', 'Domain validation timed out');

    await client.applyCertificate('cas_dv-cn-seeded');
    await client.applyCertificate('cas_dv-cn-injected');
    c.advance(5_000);
    const seeded = await client.getTaskAttribute('cas_dv-cn-seeded');
    const injected = await client.getTaskAttribute('cas_dv-cn-injected');
    const detail = await client.getInstanceDetail('cas_dv-cn-seeded');

    expect(seeded).toMatchObject({ TaskStatus: 'failed', TaskMessage: 'CAA record forbids DigiCert' });
    expect(injected).toMatchObject({ TaskStatus: 'failed', TaskMessage: 'Domain validation timed out' });
    expect(detail).toMatchObject({ Status: 'normal', PendingResult: 'CAA record forbids DigiCert' });
    expect((await client.listAllCertificates({ instanceId: 'cas_dv-cn-seeded' })).length).toBe(1);
  });

  it('a hosted instance rotates by itself when its certificate has under 30 days left: by time, not reads', async () => {
    const { c, client } = await started([issued('cas_dv-cn-hosted', 40, { autoReissue: true })]);
    const first = await client.getInstanceDetail('cas_dv-cn-hosted');
    for (let i = 0; i < 5; i++) await client.getInstanceDetail('cas_dv-cn-hosted');
    const reread = await client.getInstanceDetail('cas_dv-cn-hosted');
    const quotaBefore = await client.getInstanceSummary('BUY');

    c.advance(10 * dayMs + 1_000);
    const applying = await client.getInstanceDetail('cas_dv-cn-hosted');
    c.advance(5_000 + 120_000);
    const rotated = await client.getInstanceDetail('cas_dv-cn-hosted');
    const quotaAfter = await client.getInstanceSummary('BUY');

    expect(first).toMatchObject({ AutoReissue: 'enable', CertificateStatus: 'issued', Status: 'normal' });
    expect(reread.CertificateId).toBe(first.CertificateId);
    expect(applying).toMatchObject({ Status: 'pending', CertificateId: first.CertificateId });
    expect(rotated).toMatchObject({ Status: 'normal', CertificateStatus: 'issued' });
    expect(rotated.CertificateId).not.toBe(first.CertificateId);
    expect(quotaAfter.AutoReissueCount).toBe((quotaBefore.AutoReissueCount ?? 0) - 1);
  });

  it('a withdrawn application settles on normal with the old CertificateId', async () => {
    const { c, client } = await started([issued('cas_dv-cn-wd', 20)]);
    const before = await client.getInstanceDetail('cas_dv-cn-wd');

    await client.applyCertificate('cas_dv-cn-wd');
    c.advance(5_000);
    await client.cancelPendingCertificate('cas_dv-cn-wd');
    const cancelling = await client.getInstanceDetail('cas_dv-cn-wd');
    c.advance(200_000);
    const settled = await client.getInstanceDetail('cas_dv-cn-wd');

    expect(cancelling.Status).toBe('pending');
    expect(settled).toMatchObject({
      Status: 'normal',
      CertificateId: before.CertificateId,
      PendingResult: undefined,
    });
    expect(await client.listAllCertificates({ instanceId: 'cas_dv-cn-wd' })).toHaveLength(1);
  });

  it('ListUserCertificateOrder lists V1 orders only, never a subscription', async () => {
    const order = buildOrder({ status: 'ISSUED' });
    const { client } = await started([issued('cas_dv-cn-v2only', 90)], { orders: [order] });

    const listed = [];
    for (const orderType of ['CPACK', 'BUY', 'CERT', 'UPLOAD'] as const)
      for await (const o of client.listAllUserCertificateOrders({ orderType })) listed.push(o);
    const instances = await client.listAllInstances();

    expect(listed.map((o) => o.OrderId)).toEqual([String(order.orderId)]);
    expect(instances.map((i) => i.InstanceId)).toEqual(['cas_dv-cn-v2only']);
  });

  it('reads are retried on throttling and 5xx; CancelPendingCertificate is sent once', async () => {
    const { c, client, sim } = await started([issued('cas_dv-cn-f', 20)]);
    sim.faults.add({ action: 'ListInstances', fault: { kind: 'throttle' } });
    sim.faults.add({ action: 'GetTaskAttribute', fault: { kind: 'server-error' } });
    sim.faults.add({
      action: 'GetInstanceSummary',
      fault: { kind: 'server-error', code: 'InternalError', status: 500 },
    });

    const rows = await client.listAllInstances();
    await client.applyCertificate('cas_dv-cn-f');
    const task = await client.getTaskAttribute('cas_dv-cn-f');
    const summary = await client.getInstanceSummary();
    c.advance(5_000);
    sim.faults.add({ action: 'CancelPendingCertificate', fault: { kind: 'server-error' }, times: 3 });
    const cancel = client.cancelPendingCertificate('cas_dv-cn-f');

    await expect(cancel).rejects.toMatchObject({ casCode: 'ServiceUnavailable' });
    expect(rows).toHaveLength(1);
    expect(task.TaskStatus).toBe('processing');
    expect(summary).toMatchObject({ TotalCount: 1, CertificateCount: 10 });
    const count = (action: string) => sim.calls.filter((x) => x.action === action).length;
    expect([count('ListInstances'), count('GetTaskAttribute'), count('GetInstanceSummary')]).toEqual([
      2, 2, 2,
    ]);
    expect(count('CancelPendingCertificate')).toBe(1);
    expect(client.delays).toHaveLength(3);
  });

  it('refuses before sending an instance ID CAS could not have issued; an unknown one is NotFound', async () => {
    const { client, sim } = await started([]);

    await expect(client.getTaskAttribute('bad id!')).rejects.toThrow(/instance ID/);
    await expect(client.cancelPendingCertificate('')).rejects.toThrow(/instance ID/);
    await expect(client.getInstanceDetail('cas_dv-cn-missing')).rejects.toMatchObject({
      casCode: 'NotFound',
    });
    expect(sim.calls.map((x) => x.action)).toEqual(['GetInstanceDetail']);
  });

  it('reads instants in seconds or milliseconds as milliseconds (the SDK documents seconds, shows ms)', () => {
    expect([1801324800, 1801324800000, null].map((v) => instantMs.parse(v))).toEqual([
      1801324800000,
      1801324800000,
      undefined,
    ]);
  });

  it('statuses follow the clock: subscription ending, ended; revoked and refunded as seeded', async () => {
    const { c, client } = await started([
      issued('cas_dv-cn-ending', 200, { orderEndTime: start + 20 * dayMs }),
      issued('cas_dv-cn-revoked', 90, {
        certificates: [{ notBefore: start - dayMs, notAfter: start + 90 * dayMs, revokedAt: start - 1_000 }],
      }),
      issued('cas_dv-cn-refunded', 90, { ended: 'refund' }),
    ]);
    const ending = await client.getInstanceDetail('cas_dv-cn-ending');
    const summary = await client.getInstanceSummary();
    const revoked = await client.getInstanceDetail('cas_dv-cn-revoked');
    const refunded = await client.listInstances({ status: 'refund' });

    c.advance(20 * dayMs);
    const ended = await client.getInstanceDetail('cas_dv-cn-ending');
    const refused = client.applyCertificate('cas_dv-cn-ending');

    expect(ending).toMatchObject({
      Status: 'willExpire',
      CertificateStatus: 'issued',
      OrderEndTime: start + 20 * dayMs,
    });
    expect(summary).toMatchObject({ TotalCount: 3, WillExpireCount: 1, InactiveCount: 0 });
    expect(revoked).toMatchObject({
      Status: 'normal',
      CertificateStatus: 'revoked',
      CertificateRevokeTime: start - 1_000,
    });
    expect(refunded.InstanceList.map((i) => i.InstanceId)).toEqual(['cas_dv-cn-refunded']);
    expect(ended).toMatchObject({ Status: 'expired', CertificateStatus: 'issued' });
    await expect(refused).rejects.toMatchObject({ casCode: 'OperationDenied.StatusNotSupport' });
  });

  it("a renewed V1 order's application has a task too, named by its instance", async () => {
    const order = buildOrder({ domain: 'v1task.example.com' });
    const { c, client, sim } = await started([], { orders: [order] });
    const { newOrderId } = await client.renewCertificateOrderForPackageRequest({
      orderId: String(order.orderId),
    });
    const instanceId = sim.store.get(newOrderId)?.instanceId as string;
    await expect(client.getTaskAttribute(instanceId)).rejects.toMatchObject({ casCode: 'NotFound' });
    await client.updateInstance({
      instanceId,
      domain: 'v1task.example.com',
      validationMethod: 'DNS',
      contactIds: [testContactId],
    });

    await client.applyCertificate(instanceId);
    const running = await client.getTaskAttribute(instanceId);
    c.advance(5_000);
    const done = await client.getTaskAttribute(instanceId);

    expect([running.TaskStatus, done.TaskStatus]).toEqual(['processing', 'success']);
  });

  it('UpdateInstance on a subscription under review is refused (UpdateProtection)', async () => {
    const { client } = await started([issued('cas_dv-cn-up', 20)]);
    await client.applyCertificate('cas_dv-cn-up');

    const update = client.updateInstance({
      instanceId: 'cas_dv-cn-up',
      domain: 'cas_dv-cn-up.example.com',
      validationMethod: 'DNS',
      contactIds: [testContactId],
    });

    await expect(update).rejects.toMatchObject({ casCode: 'InvalidStatus.UpdateProtection' });
  });
});
