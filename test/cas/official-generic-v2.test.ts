import { afterEach, describe, expect, it } from 'vitest';
import type { SeedSubscription } from '../../src/cas-sim/subscription-model.ts';
import { buildOrder, startCasSim, testContactId } from '../support/cas.ts';
import { genericClient } from '../support/generic-client.ts';

type Harness = Awaited<ReturnType<typeof startCasSim>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const dayMs = 24 * 60 * 60 * 1000;

// biome-ignore format: a list of names
/** The fields of the SDK's GetInstanceDetailResponseBody (cas-20200407 3.2.13), as its `names()` maps them. */
const sdkDetailFields = [
  'AutoReissue', 'AverageWaitingTime', 'Brand', 'CertIdentifier', 'CertificateId', 'CertificateName',
  'CertificateNotAfter', 'CertificateNotBefore', 'CertificateRevokeTime', 'CertificateStatus', 'CertificateType',
  'City', 'CompanyId', 'ContactIdList', 'CountryCode', 'Csr', 'DingGroupList', 'Domain', 'DomainValidationList',
  'FullDomainCount', 'GenerateCsrMethod', 'InstanceEndTime', 'InstanceId', 'InstanceStartTime', 'InstanceType',
  'KeyAlgorithm', 'OrderEndTime', 'OrderStartTime', 'PendingResult', 'Province', 'RequestId', 'ResourceGroupId',
  'Spec', 'Status', 'Tags', 'UpgradeStatus', 'ValidationMethod', 'WildcardDomainCount',
];

/** A clock the simulator reads; the generic client signs with the real time, so moves stay within 15 minutes. */
function clock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms: number): void {
      offset += ms;
    },
  };
}

function subscriptions(now: number): SeedSubscription[] {
  return [
    {
      instanceId: 'cas_dv-cn-issued1',
      domain: 'v2.example.com',
      orderStartTime: now - 100 * dayMs,
      orderEndTime: now + 265 * dayMs,
      certificates: [
        { certificateId: '30000001', notBefore: now - 100 * dayMs, notAfter: now + 100 * dayMs },
      ],
    },
    { instanceId: 'cas_dv-cn-fresh2', domain: 'fresh.example.com', orderEndTime: now + 365 * dayMs },
  ];
}

describe("the V2.0 subscription calls, made by Alibaba's generic client (Client.callApi)", () => {
  it('lists and reads subscriptions with the SDK models’ fields; V1 listing leaves them out', async () => {
    const t = clock();
    harness = await startCasSim(
      { orders: [buildOrder()], subscriptions: subscriptions(t.now()) },
      { now: t.now },
    );
    const call = genericClient(harness.url);

    const page = await call('ListInstances', { CurrentPage: 1, ShowSize: 1 });
    const inactive = await call('ListInstances', { Status: 'inactive' });
    const detail = await call('GetInstanceDetail', { InstanceId: 'cas_dv-cn-issued1' });
    const certs = await call('ListCertificates', { InstanceId: 'cas_dv-cn-issued1' });
    const summary = await call('GetInstanceSummary', { InstanceType: 'BUY' });
    const v1 = await call('ListUserCertificateOrder', { OrderType: 'CPACK' });

    expect(page).toMatchObject({ TotalCount: 2, CurrentPage: 1, ShowSize: 1 });
    expect(page.InstanceList).toHaveLength(1);
    expect((inactive.InstanceList as Array<{ InstanceId: string }>).map((i) => i.InstanceId)).toEqual([
      'cas_dv-cn-fresh2',
    ]);
    expect(Object.keys(detail).sort()).toEqual([...sdkDetailFields].sort());
    expect(detail).toMatchObject({
      Status: 'normal',
      CertificateStatus: 'issued',
      CertificateId: 30000001,
      CertIdentifier: '30000001-cn-hangzhou',
      AutoReissue: 'disable',
    });
    // ListCertificates types CertificateId as a string (SDK model), unlike every other call.
    expect(certs).toMatchObject({ TotalCount: 1, CertificateList: [{ CertificateId: '30000001' }] });
    expect(summary).toMatchObject({ TotalCount: 2, InactiveCount: 1, WillExpireCount: 0 });
    const listed = (v1.CertificateOrderList as Array<{ InstanceId: string }>).map((o) => o.InstanceId);
    expect(listed).toHaveLength(1);
    expect(listed).not.toContain('cas_dv-cn-issued1');
  });

  it('an application runs as a task; a withdrawn one settles on normal with the old certificate', async () => {
    const t = clock();
    harness = await startCasSim({ subscriptions: subscriptions(t.now()) }, { now: t.now });
    const call = genericClient(harness.url);
    const id = 'cas_dv-cn-issued1';

    const applied = await call('ApplyCertificate', { InstanceId: id });
    const running = await call('GetTaskAttribute', { TaskId: id, TaskType: 'ApplyCertificate' });
    const tooSoon = call('CancelPendingCertificate', { InstanceId: id });
    await expect(tooSoon).rejects.toMatchObject({ code: 'OperationDenied.StatusNotSupport' });
    t.advance(6_000);
    const done = await call('GetTaskAttribute', { TaskId: id });
    const validating = await call('GetInstanceDetail', { InstanceId: id });
    await call('CancelPendingCertificate', { InstanceId: id });
    t.advance(4_000);
    const settled = await call('GetInstanceDetail', { InstanceId: id });

    expect(Object.keys(applied)).toEqual(['RequestId']);
    expect(running).toMatchObject({ TaskStatus: 'processing' });
    expect(done).toMatchObject({ TaskStatus: 'success' });
    expect(validating).toMatchObject({
      Status: 'pending',
      DomainValidationList: [expect.objectContaining({ ValidationType: 'TXT', ValidationKey: '_dnsauth' })],
    });
    expect(settled).toMatchObject({ Status: 'normal', CertificateId: 30000001, DomainValidationList: [] });
  });

  it('refuses what CAS refuses: unknown instance, bad filters, page sizes, a second application', async () => {
    const t = clock();
    harness = await startCasSim({ subscriptions: subscriptions(t.now()) }, { now: t.now });
    const call = genericClient(harness.url);

    await expect(call('GetInstanceDetail', { InstanceId: 'cas_dv-cn-nope' })).rejects.toMatchObject({
      code: 'NotFound',
      statusCode: 404,
    });
    await expect(call('ListInstances', { Status: 'revoked' })).rejects.toMatchObject({
      code: 'InvalidParameter',
    });
    await expect(call('ListInstances', { ShowSize: 101 })).rejects.toMatchObject({
      code: 'InvalidParameter',
    });
    await expect(call('GetTaskAttribute', { TaskId: 'cas_dv-cn-issued1' })).rejects.toMatchObject({
      code: 'NotFound',
    });
    await expect(call('GetTaskAttribute', {})).rejects.toMatchObject({ code: 'MissingTaskId' });
    await call('ApplyCertificate', { InstanceId: 'cas_dv-cn-issued1' });
    await expect(call('ApplyCertificate', { InstanceId: 'cas_dv-cn-issued1' })).rejects.toMatchObject({
      code: 'InvalidStatus.Apply',
    });
    await expect(call('ApplyCertificate', { InstanceId: 'cas_dv-cn-fresh2' })).rejects.toMatchObject({
      code: 'InvalidStatus.NoApplication',
    });
    await call('UpdateInstance', {
      InstanceId: 'cas_dv-cn-fresh2',
      Domain: 'fresh.example.com',
      ValidationMethod: 'DNS',
      ContactIdList: [Number(testContactId)],
      AutoReissue: 'enable',
    });
    const fresh = await call('GetInstanceDetail', { InstanceId: 'cas_dv-cn-fresh2' });
    expect(fresh).toMatchObject({
      Status: 'inactive',
      AutoReissue: 'enable',
      ContactIdList: [Number(testContactId)],
    });
  });
});
