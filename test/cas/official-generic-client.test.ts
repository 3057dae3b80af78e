import { afterEach, describe, expect, it } from 'vitest';
import { buildOrder, startCasSim, testContactId } from '../support/cas.ts';
import { genericClient } from '../support/generic-client.ts';

type Harness = Awaited<ReturnType<typeof startCasSim>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("the instance calls, made by Alibaba's generic client (Client.callApi)", () => {
  it('a renewed order waits for its application, then proceeds once it is submitted', async () => {
    const order = buildOrder({ domain: 'generic.example.com' });
    harness = await startCasSim({
      orders: [order],
      renewScript: [{ type: 'payed' }, { type: 'domain_verify', polls: 2 }, { type: 'certificate' }],
    });
    const call = genericClient(harness.url);

    const renewed = await call('RenewCertificateOrderForPackageRequest', { OrderId: order.orderId });
    const newOrderId = String(renewed.OrderId);
    const listed = await call('ListUserCertificateOrder', {
      OrderType: 'CPACK',
      Status: 'PAYED',
      Keyword: 'generic.example.com',
    });
    const row = (listed.CertificateOrderList as Array<Record<string, unknown>>).find(
      (o) => String(o.OrderId) === newOrderId,
    );
    const instanceId = String(row?.InstanceId);
    const waiting = [
      await call('DescribeCertificateState', { OrderId: newOrderId }),
      await call('GetInstanceDetail', { InstanceId: instanceId }),
    ];
    const again = await call('DescribeCertificateState', { OrderId: newOrderId });
    const contacts = await call('ListContact', { ShowSize: 50 });
    await call('UpdateInstance', {
      InstanceId: instanceId,
      Domain: 'generic.example.com',
      ValidationMethod: 'DNS',
      GenerateCsrMethod: 'online',
      KeyAlgorithm: 'RSA_2048',
      ContactIdList: [Number(testContactId)],
    });
    await call('ApplyCertificate', { InstanceId: instanceId });
    const detail = await call('GetInstanceDetail', { InstanceId: instanceId });
    const state = await call('DescribeCertificateState', { OrderId: newOrderId });

    expect(waiting[0]).toMatchObject({ Type: 'payed' });
    expect(waiting[1]).toMatchObject({ Status: 'inactive', DomainValidationList: [] });
    expect(again).toMatchObject({ Type: 'payed' });
    expect(contacts.ContactList).toEqual([expect.objectContaining({ ContactId: Number(testContactId) })]);
    // The flattened list arrived as ContactIdList.1, as the SDK sends it.
    expect(harness.sim.calls.find((c) => c.action === 'UpdateInstance')?.params['ContactIdList.1']).toBe(
      testContactId,
    );
    expect(detail).toMatchObject({
      Status: 'pending',
      ValidationMethod: 'DNS',
      ContactIdList: [Number(testContactId)],
      DomainValidationList: [
        expect.objectContaining({ ValidationType: 'TXT', ValidationKey: '_dnsauth.generic.example.com' }),
      ],
    });
    expect(state).toMatchObject({ Type: 'domain_verify', RecordDomain: '_dnsauth.generic.example.com' });
    expect(harness.sim.applications(newOrderId)).toBe(1);
    expect(harness.sim.calls.every((c) => c.outcome === undefined)).toBe(true);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown contact', { ContactIdList: [1] }, 'InvalidParameter.ContactId'],
    ['the order API name of a method', { ValidationMethod: 'FILE' }, 'InvalidParameter.ValidationMethod'],
    ['neither domain nor CSR', { Domain: '' }, 'InvalidParameter.Domain'],
    ['upload without a CSR', { GenerateCsrMethod: 'upload' }, 'InvalidParameter.Csr'],
    ['an unsupported key', { KeyAlgorithm: 'RSA_1024' }, 'InvalidParameter.KeyAlgorithm'],
  ])('UpdateInstance with %s is refused as CAS refuses it', async (_label, change, code) => {
    const order = buildOrder({ domain: 'bad.example.com' });
    harness = await startCasSim({ orders: [order] });
    const call = genericClient(harness.url);
    const renewed = await call('RenewCertificateOrderForPackageRequest', { OrderId: order.orderId });
    const instanceId = harness.sim.store.get(String(renewed.OrderId))?.instanceId;

    const attempt = call('UpdateInstance', {
      InstanceId: instanceId,
      Domain: 'bad.example.com',
      ValidationMethod: 'DNS',
      ContactIdList: [Number(testContactId)],
      ...change,
    });

    await expect(attempt).rejects.toMatchObject({ code, statusCode: 400 });
  });

  it('ApplyCertificate without a contact, or a second time, is refused', async () => {
    const order = buildOrder({ domain: 'twice.example.com' });
    harness = await startCasSim({ orders: [order] });
    const call = genericClient(harness.url);
    const renewed = await call('RenewCertificateOrderForPackageRequest', { OrderId: order.orderId });
    const instanceId = harness.sim.store.get(String(renewed.OrderId))?.instanceId;
    await call('UpdateInstance', {
      InstanceId: instanceId,
      Domain: 'twice.example.com',
      ValidationMethod: 'DNS',
    });

    await expect(call('ApplyCertificate', { InstanceId: instanceId })).rejects.toMatchObject({
      code: 'InvalidParameter.ContactIdList',
    });
    await call('UpdateInstance', {
      InstanceId: instanceId,
      Domain: 'twice.example.com',
      ValidationMethod: 'DNS',
      ContactIdList: [Number(testContactId)],
    });
    await call('ApplyCertificate', { InstanceId: instanceId });
    await expect(call('ApplyCertificate', { InstanceId: instanceId })).rejects.toMatchObject({
      code: 'InvalidStatus.Apply',
    });
    expect(harness.sim.applications(String(renewed.OrderId))).toBe(1);
  });

  it('a list asking for more than 50 per page is refused (undocumented), and our client never asks', async () => {
    harness = await startCasSim({ orders: [buildOrder()] });
    const call = genericClient(harness.url);

    await expect(call('ListUserCertificateOrder', { ShowSize: 100 })).rejects.toMatchObject({
      code: 'InvalidParameter',
    });
    const client = harness.client();
    await client.listUserCertificateOrder({ showSize: 500 });
    expect(harness.sim.calls.at(-1)?.params.ShowSize).toBe('50');
  });
});

describe("deployment jobs, made by Alibaba's generic client", () => {
  async function issuedWithResources(fail?: { code: string; message: string }) {
    const order = buildOrder({ domain: 'deploy.example.com', status: 'ISSUED' });
    harness = await startCasSim({
      orders: [order],
      resources: [
        { id: '501', cloudProduct: 'CDN', domain: 'deploy.example.com', servesOrder: order.orderId },
        {
          id: '502',
          cloudProduct: 'SLB',
          domain: 'deploy.example.com',
          servesOrder: order.orderId,
          listenerPort: 443,
          ...(fail ? { fail } : {}),
        },
        { id: '503', cloudProduct: 'CDN', domain: 'other.example.com', certId: '1' },
      ],
    });
    const oldCertId = harness.sim.store.get(String(order.orderId))?.instance.certificateId as string;
    return { order, oldCertId, call: genericClient(harness.url) };
  }

  it('lists the resources serving a certificate, per product, with CertIds as one JSON string', async () => {
    const { oldCertId, call } = await issuedWithResources();

    const cdn = await call('ListCloudResources', {
      CloudName: 'aliyun',
      CloudProduct: 'CDN',
      CertIds: `[${oldCertId}]`,
    });
    const slb = await call('ListCloudResources', {
      CloudName: 'aliyun',
      CloudProduct: 'SLB',
      CertIds: `[${oldCertId}]`,
    });

    expect(cdn).toMatchObject({
      Total: 1,
      Data: [expect.objectContaining({ Id: 501, CertId: Number(oldCertId) })],
    });
    expect(slb).toMatchObject({ Total: 1, Data: [expect.objectContaining({ Id: 502, ListenerPort: 443 })] });
  });

  it('CloudProduct is optional (as in the official model): one listing covers every product', async () => {
    const { oldCertId, call } = await issuedWithResources();

    const all = await call('ListCloudResources', { CloudName: 'aliyun', CertIds: `[${oldCertId}]` });

    expect(all).toMatchObject({ Total: 2 });
    expect((all.Data as Array<{ Id: number }>).map((r) => r.Id)).toEqual([501, 502]);
  });

  it('a job stays editing until started, then runs once; a failed resource can be rolled back', async () => {
    const { order, oldCertId, call } = await issuedWithResources({
      code: 'DeployFailed.Listener',
      message: 'HTTPS is off.',
    });
    const sim = (harness as Harness).sim;
    const renewed = sim.store.add(buildOrder({ domain: 'deploy.example.com', status: 'ISSUED' }));
    const newCertId = renewed.instance.certificateId as string;

    const created = await call('CreateDeploymentJob', {
      Name: 'certbot-r1',
      JobType: 'user',
      CertIds: newCertId,
      ResourceIds: '501,502',
      ContactIds: testContactId,
    });
    const jobId = String(created.JobId);
    const editing = [
      await call('DescribeDeploymentJob', { JobId: jobId }),
      await call('DescribeDeploymentJob', { JobId: jobId }),
    ];
    await call('UpdateDeploymentJobStatus', { JobId: jobId, Status: 'pending' });
    const seen: string[] = [];
    for (let i = 0; i < 5; i++)
      seen.push(String((await call('DescribeDeploymentJob', { JobId: jobId })).Status));
    const workers = (await call('ListWorkerResource', { JobId: jobId })).Data as Array<
      Record<string, unknown>
    >;
    const failed = workers.find((w) => w.Status === 'error');
    await call('UpdateWorkerResourceStatus', { JobId: jobId, WorkerId: failed?.Id, Status: 'rollback' });
    const after = (await call('ListWorkerResource', { JobId: jobId })).Data as Array<Record<string, unknown>>;
    const settled = (await call('ListWorkerResource', { JobId: jobId })).Data as Array<
      Record<string, unknown>
    >;
    const found = await call('ListDeploymentJob', { JobType: 'user' });

    expect(editing.map((j) => j.Status)).toEqual(['editing', 'editing']);
    expect(seen).toEqual(['pending', 'scheduling', 'processing', 'error', 'error']);
    // The fields of Alibaba's ListWorkerResource model: no Domain, ErrorCode or ErrorMsg.
    expect(
      workers.map((w) => [w.ResourceId, w.Status, w.ResourceDomain, w.CertDomain, w.Port ?? null]),
    ).toEqual([
      [501, 'success', 'deploy.example.com', 'deploy.example.com', null],
      [502, 'error', 'deploy.example.com', 'deploy.example.com', 443],
    ]);
    for (const w of workers) expect(Object.keys(w)).not.toEqual(expect.arrayContaining(['Domain']));
    for (const w of workers) expect(w).not.toHaveProperty('ErrorCode');
    for (const w of workers) expect(w).not.toHaveProperty('ErrorMsg');
    expect(after.find((w) => w.Id === failed?.Id)?.Status).toBe('rollback');
    expect(settled.find((w) => w.Id === failed?.Id)?.Status).toBe('rollback_success');
    expect(sim.deployments.resources.get('501')?.certId).toBe(newCertId);
    expect(sim.deployments.resources.get('502')?.certId).toBe(oldCertId);
    expect(found.Data).toEqual([expect.objectContaining({ Id: Number(jobId), Name: 'certbot-r1', Del: 0 })]);
    expect(String(order.orderId)).not.toBe(renewed.orderId);
  });

  it('CreateDeploymentJob refuses unknown certificates, resources and contacts', async () => {
    const { oldCertId, call } = await issuedWithResources();
    const base = {
      Name: 'x',
      JobType: 'user',
      CertIds: oldCertId,
      ResourceIds: '501',
      ContactIds: testContactId,
    };

    await expect(call('CreateDeploymentJob', { ...base, CertIds: '999' })).rejects.toMatchObject({
      code: 'InvalidParameter.CertId',
    });
    await expect(call('CreateDeploymentJob', { ...base, ResourceIds: '999' })).rejects.toMatchObject({
      code: 'InvalidParameter.ResourceId',
    });
    await expect(call('CreateDeploymentJob', { ...base, ContactIds: '1' })).rejects.toMatchObject({
      code: 'InvalidParameter.ContactId',
    });
    expect((harness as Harness).sim.deployments.jobs.size).toBe(0);
  });
});
