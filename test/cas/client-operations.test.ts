import { afterEach, describe, expect, it } from 'vitest';
import { x509 } from '../../src/x509.ts';
import { buildOrder, startCasSim } from '../support/cas.ts';
import { makeCsr } from '../support/csr.ts';

type Harness = Awaited<ReturnType<typeof startCasSim>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('RenewCertificateOrderForPackageRequest', () => {
  it('renews an expiring order into a new pending order and spends one unit of quota', async () => {
    const order = buildOrder();
    harness = await startCasSim({ orders: [order] });
    const client = harness.client();

    const result = await client.renewCertificateOrderForPackageRequest({ orderId: String(order.orderId) });

    expect(result.newOrderId).toMatch(/^\d+$/);
    expect(result.newOrderId).not.toBe(order.orderId);
    expect(result.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(harness.sim.store.get(result.newOrderId)).toMatchObject({
      status: 'PAYED',
      domain: order.domain,
      renewedFrom: order.orderId,
    });
    expect(harness.sim.renewCount()).toBe(1);
    await expect(client.describePackageState('digicert-dv-1-plan')).resolves.toMatchObject({
      usedCount: 3,
      remaining: 7,
    });
  });

  it('sends the CSR, and CAS issues for the CSR key with its SANs', async () => {
    const order = buildOrder({ domain: 'shop.example.com' });
    // The renewed order proceeds without an application here (one reading of §9.1): this is about the CSR.
    harness = await startCasSim({
      orders: [order],
      renewScript: [{ type: 'certificate' }],
      renewal: { application: 'not_required' },
    });
    const client = harness.client();
    const csr = await makeCsr({
      commonName: 'shop.example.com',
      sans: ['shop.example.com', 'www.shop.example.com'],
    });

    const { newOrderId } = await client.renewCertificateOrderForPackageRequest({
      orderId: String(order.orderId),
      csr,
    });
    const state = await client.describeCertificateState(newOrderId);

    expect(state.type).toBe('certificate');
    const cert = new x509.X509Certificate(state.type === 'certificate' ? state.certificatePem : '');
    const csrKey = new x509.Pkcs10CertificateRequest(csr).publicKey;
    expect(Buffer.from(cert.publicKey.rawData).equals(Buffer.from(csrKey.rawData))).toBe(true);
    expect(cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items.map((n) => n.value)).toEqual([
      'shop.example.com',
      'www.shop.example.com',
    ]);
    expect(state).toMatchObject({ casGeneratedKey: false });
  });

  it.each([
    ['an issued order', { status: 'ISSUED' as const }, 'InvalidOrderStatus'],
    ['a pending order', { status: 'PAYED' as const }, 'InvalidOrderStatus'],
    ['an expired order', { status: 'EXPIRED' as const }, 'InvalidOrderStatus'],
  ])('refuses %s with a definitive error', async (_label, overrides, casCode) => {
    const order = buildOrder(overrides);
    harness = await startCasSim({ orders: [order] });
    const client = harness.client();

    const attempt = client.renewCertificateOrderForPackageRequest({ orderId: String(order.orderId) });

    await expect(attempt).rejects.toMatchObject({
      code: 'CAS_API_ERROR',
      casCode,
      retryable: false,
      outcome: 'rejected',
      httpStatus: 400,
    });
    expect(harness.sim.renewCount()).toBe(0);
  });

  it('reports a missing order with CAS code, message, RequestId and Recommend', async () => {
    harness = await startCasSim();
    const client = harness.client();

    const attempt = client.renewCertificateOrderForPackageRequest({ orderId: '42' });

    await expect(attempt).rejects.toMatchObject({
      name: 'CasApiError',
      code: 'CAS_API_ERROR',
      casCode: 'NotFound',
      casMessage: '没有找到必要内容，请检查参数输入',
      httpStatus: 404,
      requestId: expect.stringMatching(/^[0-9A-F-]{36}$/),
      recommend: expect.stringContaining('NotFound'),
      retryable: false,
    });
  });

  it('refuses a renewal when the plan has no quota left', async () => {
    const order = buildOrder();
    harness = await startCasSim({
      orders: [order],
      packages: [{ productCode: 'digicert-dv-1-plan', totalCount: 5, usedCount: 5 }],
    });

    const attempt = harness
      .client()
      .renewCertificateOrderForPackageRequest({ orderId: String(order.orderId) });

    await expect(attempt).rejects.toMatchObject({ casCode: 'InsufficientQuota', outcome: 'rejected' });
    expect(harness.sim.renewCount()).toBe(0);
  });

  it('refuses an order ID that is not int64 digits before sending anything', async () => {
    harness = await startCasSim();
    const client = harness.client();

    await expect(
      client.renewCertificateOrderForPackageRequest({ orderId: '9223372036854775808' }),
    ).rejects.toThrow(/int64/);
    await expect(client.describeCertificateState('12a')).rejects.toThrow(/digits/);
    expect(harness.sim.calls).toHaveLength(0);
  });
});

describe('DescribeCertificateState', () => {
  it('follows a DNS-validated order from pending to issued, never exposing the CAS-made private key', async () => {
    const order = buildOrder({
      status: 'PAYED',
      script: [
        { type: 'payed' },
        { type: 'domain_verify', validation: 'DNS' },
        { type: 'process' },
        { type: 'certificate' },
      ],
    });
    harness = await startCasSim({ orders: [order] });
    const client = harness.client();

    const states = [];
    for (let i = 0; i < 4; i++) states.push(await client.describeCertificateState(String(order.orderId)));

    expect(states.map((s) => s.type)).toEqual(['payed', 'domain_verify', 'process', 'certificate']);
    expect(states[1]).toMatchObject({
      validation: {
        kind: 'DNS',
        recordDomain: `_dnsauth.${order.domain}`,
        recordType: 'TXT',
        recordValue: expect.any(String),
      },
    });
    const issued = states[3];
    expect(issued).toMatchObject({ type: 'certificate', casGeneratedKey: true });
    expect(JSON.stringify(issued)).not.toContain('PRIVATE KEY');
    expect(harness.sim.store.get(String(order.orderId))?.issued?.privateKeyPem).toContain('PRIVATE KEY');
    expect(
      new x509.X509Certificate(issued?.type === 'certificate' ? issued.certificatePem : '').subject,
    ).toBe(`CN=${order.domain}`);
  });

  it('gives FILE validation as path and content', async () => {
    const order = buildOrder({ script: [{ type: 'domain_verify', validation: 'FILE' }] });
    harness = await startCasSim({ orders: [order] });

    const state = await harness.client().describeCertificateState(String(order.orderId));

    expect(state).toMatchObject({
      type: 'domain_verify',
      validation: {
        kind: 'FILE',
        domain: order.domain,
        uri: '/.well-known/pki-validation/fileauth.txt',
        content: expect.any(String),
      },
    });
  });

  it.each([
    ['verify_fail', { type: 'verify_fail' }],
    ['unknow', { type: 'unknow' }],
    ['weird', { type: 'other', rawType: 'brand_new_state' }],
  ] as const)('parses %s', async (scripted, expected) => {
    const order = buildOrder({ script: [{ type: scripted }] });
    harness = await startCasSim({ orders: [order] });

    await expect(harness.client().describeCertificateState(String(order.orderId))).resolves.toMatchObject(
      expected,
    );
  });
});

describe('ListUserCertificateOrder', () => {
  it('pages through every matching order with the async iterator', async () => {
    const orders = Array.from({ length: 120 }, () => buildOrder());
    harness = await startCasSim({ orders: [...orders, buildOrder({ status: 'ISSUED' })] });
    const client = harness.client();

    const seen: string[] = [];
    for await (const o of client.listAllUserCertificateOrders({ status: 'WILLEXPIRED', showSize: 50 }))
      seen.push(o.OrderId ?? '');

    expect(seen).toEqual(orders.map((o) => String(o.orderId)));
    expect(harness.sim.calls.map((c) => c.params.CurrentPage)).toEqual(['1', '2', '3']);
    expect(harness.sim.calls.every((c) => c.params.OrderType === 'CPACK' && c.params.ShowSize === '50')).toBe(
      true,
    );
  });

  it('filters by keyword and status and returns the documented fields', async () => {
    const match = buildOrder({ domain: 'api.shop.example.com' });
    harness = await startCasSim({
      orders: [
        match,
        buildOrder({ domain: 'blog.example.org' }),
        buildOrder({ domain: 'old.shop.example.com', status: 'EXPIRED' }),
      ],
    });

    const page = await harness
      .client()
      .listUserCertificateOrder({ keyword: 'shop.example.com', status: 'WILLEXPIRED' });

    expect(page).toMatchObject({ TotalCount: 1, CurrentPage: 1, ShowSize: 50 });
    expect(page.CertificateOrderList).toEqual([
      expect.objectContaining({
        OrderId: String(match.orderId),
        Domain: 'api.shop.example.com',
        Status: 'WILLEXPIRED',
        CertEndTime: match.certEndTime,
        ProductName: match.productName,
        SourceType: 'cpack',
      }),
    ]);
  });
});

describe('int64 order IDs', () => {
  it('keeps IDs above 2^53 exact from CAS JSON numbers to the caller and back', async () => {
    const big = '9007199254740993';
    harness = await startCasSim({ orders: [buildOrder({ orderId: big, domain: 'big.example.com' })] });
    const client = harness.client();

    const listed = await client.listUserCertificateOrder({ keyword: 'big.example.com' });
    const renewed = await client.renewCertificateOrderForPackageRequest({ orderId: big });

    expect(listed.CertificateOrderList[0]?.OrderId).toBe(big);
    expect(renewed.newOrderId).toBe('9007199254740994');
    expect(
      harness.sim.calls.find((c) => c.action === 'RenewCertificateOrderForPackageRequest')?.params.OrderId,
    ).toBe(big);
    await expect(client.describeCertificateState(renewed.newOrderId)).resolves.toMatchObject({
      type: 'payed',
    });
  });
});

describe('DescribePackageState', () => {
  it('reports total, used and remaining quota', async () => {
    harness = await startCasSim({
      packages: [{ productCode: 'digicert-dv-1-plan', totalCount: 20, usedCount: 8 }],
    });

    const state = await harness.client().describePackageState('digicert-dv-1-plan');

    expect(state).toMatchObject({
      productCode: 'digicert-dv-1-plan',
      totalCount: 20,
      usedCount: 8,
      remaining: 12,
    });
  });
});
