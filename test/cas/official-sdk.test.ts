import { request } from 'node:http';
import * as cas from '@alicloud/cas20200407';
import * as openapi from '@alicloud/openapi-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { RawRequest } from '../../src/cas-sim/verify-v3.ts';
import { buildOrder, startCasSim } from '../support/cas.ts';
import { testCredentials, testStsCredentials } from '../support/secrets.ts';

// The SDK is CommonJS with `exports.default = Client`; depending on the loader's interop the class is
// `default` or `default.default`.
type SdkClient = typeof cas.default.default;
const sdkDefault = cas.default as unknown as SdkClient | { default: SdkClient };
const Client: SdkClient = typeof sdkDefault === 'function' ? sdkDefault : sdkDefault.default;

type Harness = Awaited<ReturnType<typeof startCasSim>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function sdkClient(
  url: string,
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string },
) {
  return new Client(
    new openapi.$OpenApiUtil.Config({
      ...credentials,
      endpoint: new URL(url).host,
      protocol: 'http',
      readTimeout: 5000,
      connectTimeout: 5000,
    }),
  );
}

describe("requests made by Alibaba's own SDK (@alicloud/cas20200407)", () => {
  it('are accepted for every operation the bot uses', async () => {
    const order = buildOrder({ domain: 'sdk.example.com' });
    harness = await startCasSim({ orders: [order] });
    const sdk = sdkClient(harness.url, testCredentials);

    const list = await sdk.listUserCertificateOrder(
      new cas.ListUserCertificateOrderRequest({ keyword: 'sdk.example.com', status: 'WILLEXPIRED' }),
    );
    const renewed = await sdk.renewCertificateOrderForPackageRequest(
      new cas.RenewCertificateOrderForPackageRequestRequest({ orderId: Number(order.orderId) }),
    );
    const state = await sdk.describeCertificateState(
      new cas.DescribeCertificateStateRequest({ orderId: renewed.body?.orderId }),
    );
    const pkg = await sdk.describePackageState(
      new cas.DescribePackageStateRequest({ productCode: 'digicert-dv-1-plan' }),
    );

    expect(list.body?.certificateOrderList?.map((o: { domain?: string }) => o.domain)).toEqual([
      'sdk.example.com',
    ]);
    expect(String(renewed.body?.orderId)).toBe(harness.sim.calls[2]?.params.OrderId);
    expect(state.body?.type).toBe('payed');
    expect(pkg.body).toMatchObject({ totalCount: 10, usedCount: 3 });
    expect(harness.sim.calls.map((c) => c.outcome)).toEqual([undefined, undefined, undefined, undefined]);
    expect(harness.sim.rawRequests[0]?.headers['x-acs-credentials-provider']).toBe('static_ak');
  });

  it('are accepted with STS credentials (security token signed)', async () => {
    harness = await startCasSim();
    const sdk = sdkClient(harness.url, { ...testStsCredentials, accessKeyId: 'testStsKeyId' });

    const pkg = await sdk.describePackageState(new cas.DescribePackageStateRequest({}));

    expect(pkg.body?.requestId).toBeDefined();
    expect(harness.sim.rawRequests[0]?.headers['x-acs-security-token']).toBe(
      testStsCredentials.securityToken,
    );
  });

  it('surface the simulator error body as the SDK reads it', async () => {
    harness = await startCasSim();
    const sdk = sdkClient(harness.url, testCredentials);

    const attempt = sdk.describeCertificateState(
      new cas.DescribeCertificateStateRequest({ orderId: 424242 }),
    );

    await expect(attempt).rejects.toMatchObject({ code: 'NotFound', statusCode: 404 });
  });
});

async function send(
  url: string,
  raw: RawRequest,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const target = new URL(url);
  const { 'content-length': _cl, 'transfer-encoding': _te, connection: _c, ...headers } = raw.headers;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: raw.method,
        path: raw.url,
        headers: headers as Record<string, string>,
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    req.on('error', reject);
    req.end(raw.body);
  });
}

function withHeader(raw: RawRequest, name: string, value: string): RawRequest {
  return { ...raw, headers: { ...raw.headers, [name]: value } };
}

describe('a captured SDK request, altered', () => {
  async function capture() {
    const order = buildOrder();
    harness = await startCasSim({ orders: [order] });
    const sdk = sdkClient(harness.url, testCredentials);
    await sdk.describeCertificateState(
      new cas.DescribeCertificateStateRequest({ orderId: Number(order.orderId) }),
    );
    const raw = harness.sim.rawRequests.at(-1) as RawRequest;
    return { order, raw, url: harness.url };
  }

  const flipLast = (s: string) => s.slice(0, -1) + (s.endsWith('0') ? '1' : '0');

  it.each<[string, (raw: RawRequest, orderId: string) => RawRequest]>([
    ['query value', (r, id) => ({ ...r, url: r.url.replace(`OrderId=${id}`, `OrderId=${BigInt(id) + 1n}`) })],
    ['added query parameter', (r) => ({ ...r, url: `${r.url}&Csr=x` })],
    [
      'x-acs-action (to the paid call)',
      (r) => withHeader(r, 'x-acs-action', 'RenewCertificateOrderForPackageRequest'),
    ],
    [
      'x-acs-date, by one second',
      (r) =>
        withHeader(
          r,
          'x-acs-date',
          new Date(Date.parse(r.headers['x-acs-date'] ?? '') + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        ),
    ],
    [
      'x-acs-signature-nonce',
      (r) => withHeader(r, 'x-acs-signature-nonce', flipLast(r.headers['x-acs-signature-nonce'] ?? '')),
    ],
    ['x-acs-version', (r) => withHeader(r, 'x-acs-version', '2020-04-08')],
    ['x-acs-credentials-provider', (r) => withHeader(r, 'x-acs-credentials-provider', 'static_sts')],
    ['host', (r) => withHeader(r, 'host', `localhost:${new URL(harness?.url ?? '').port}`)],
    ['signature', (r) => withHeader(r, 'authorization', flipLast(r.headers.authorization ?? ''))],
    ['method', (r) => ({ ...r, method: 'GET' })],
    ['body (hash header unchanged)', (r) => ({ ...r, body: Buffer.from('OrderId=1') })],
  ])('%s is rejected with SignatureDoesNotMatch', async (_label, alter) => {
    const { order, raw, url } = await capture();
    const before = harness?.sim.calls.length ?? 0;

    const answer = await send(url, alter(raw, String(order.orderId)));

    expect(answer).toMatchObject({
      status: 400,
      body: { Code: 'SignatureDoesNotMatch', RequestId: expect.any(String), HostId: 'cas.aliyuncs.com' },
    });
    expect(
      harness?.sim.calls
        .slice(before)
        .map(
          (c) =>
            c.action === 'DescribeCertificateState' || c.action === 'RenewCertificateOrderForPackageRequest',
        ),
    ).toEqual([true]);
    expect(harness?.sim.renewCount()).toBe(0);
  });

  it('replayed unchanged is rejected as a reused nonce', async () => {
    const { raw, url } = await capture();

    const answer = await send(url, raw);

    expect(answer).toMatchObject({ status: 400, body: { Code: 'SignatureNonceUsed' } });
  });

  it('with an x-acs header left out of SignedHeaders is rejected as incomplete', async () => {
    const { raw, url } = await capture();

    const answer = await send(url, withHeader(raw, 'x-acs-extra', 'smuggled'));

    expect(answer).toMatchObject({ status: 400, body: { Code: 'IncompleteSignature' } });
  });

  it('with a date outside the 15-minute window is rejected as expired', async () => {
    const { raw, url } = await capture();

    const answer = await send(url, withHeader(raw, 'x-acs-date', '2020-01-01T00:00:00Z'));

    expect(answer).toMatchObject({ status: 400, body: { Code: 'InvalidTimeStamp.Expired' } });
  });
});
