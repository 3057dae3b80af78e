import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCasClient } from '../../src/cas/client.ts';
import { buildOrder, startCasSim } from '../support/cas.ts';
import { testCredentials } from '../support/secrets.ts';

type Harness = Awaited<ReturnType<typeof startCasSim>>;
let harness: Harness | undefined;
const servers: Server[] = [];
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function rawServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('faults on the paid call (never retried by the client)', () => {
  it.each([
    [
      'throttling',
      { kind: 'throttle' },
      { code: 'CAS_API_ERROR', casCode: 'Throttling.User', retryable: true, outcome: 'not_executed' },
      0,
    ],
    [
      '503 ServiceUnavailable',
      { kind: 'server-error' },
      { code: 'CAS_API_ERROR', casCode: 'ServiceUnavailable', httpStatus: 503, outcome: 'unknown' },
      0,
    ],
    [
      '500 InternalError after renewing',
      { kind: 'error-after-acting' },
      { code: 'CAS_API_ERROR', casCode: 'InternalError', outcome: 'unknown' },
      1,
    ],
    [
      'a dropped connection',
      { kind: 'drop' },
      { code: 'CAS_OUTCOME_UNKNOWN', outcome: 'unknown', retryable: true },
      0,
    ],
    [
      'renewed, but the response never arrives',
      { kind: 'lost-response' },
      { code: 'CAS_OUTCOME_UNKNOWN', outcome: 'unknown' },
      1,
    ],
  ] as const)('%s', async (_label, fault, expected, renewals) => {
    const order = buildOrder();
    harness = await startCasSim({ orders: [order] });
    harness.sim.faults.add({ action: 'RenewCertificateOrderForPackageRequest', fault });
    const client = harness.client();

    const attempt = client.renewCertificateOrderForPackageRequest({ orderId: String(order.orderId) });

    await expect(attempt).rejects.toMatchObject(expected);
    expect(
      harness.sim.calls.filter((c) => c.action === 'RenewCertificateOrderForPackageRequest'),
    ).toHaveLength(1);
    expect(harness.sim.renewCount()).toBe(renewals);
    expect(client.delays).toEqual([]);
  });

  it('reports a renewal that timed out after CAS did the work as outcome unknown', async () => {
    const order = buildOrder();
    harness = await startCasSim({ orders: [order] });
    harness.sim.faults.add({
      action: 'RenewCertificateOrderForPackageRequest',
      fault: { kind: 'lost-response', hangMs: 5_000 },
    });
    const client = harness.client({ timeoutMs: 300 });

    const attempt = client.renewCertificateOrderForPackageRequest({ orderId: String(order.orderId) });

    await expect(attempt).rejects.toMatchObject({
      code: 'CAS_OUTCOME_UNKNOWN',
      message: expect.stringContaining('no answer within 300 ms'),
    });
    expect(harness.sim.renewCount()).toBe(1);
  });

  it('reports a slow answer past the deadline as outcome unknown, not as not sent', async () => {
    const order = buildOrder();
    harness = await startCasSim({ orders: [order] });
    harness.sim.faults.add({ fault: { kind: 'slow', delayMs: 1_000 } });

    const attempt = harness
      .client({ timeoutMs: 200 })
      .renewCertificateOrderForPackageRequest({ orderId: String(order.orderId) });

    await expect(attempt).rejects.toMatchObject({ code: 'CAS_OUTCOME_UNKNOWN' });
  });

  it('reports an unreachable endpoint as not sent', async () => {
    const url = await rawServer(() => {});
    const port = new URL(url).port;
    const server = servers.pop();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    const client = createCasClient({
      endpoint: `http://127.0.0.1:${port}`,
      credentials: () => testCredentials,
      readRetries: 0,
    });

    const attempt = client.renewCertificateOrderForPackageRequest({ orderId: '1' });

    await expect(attempt).rejects.toMatchObject({
      code: 'CAS_NOT_SENT',
      outcome: 'not_executed',
      retryable: true,
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('reports a call aborted before it started as not sent', async () => {
    harness = await startCasSim();
    const controller = new AbortController();
    controller.abort();

    const attempt = harness.client().describeCertificateState('1', { signal: controller.signal });

    await expect(attempt).rejects.toMatchObject({ code: 'CAS_NOT_SENT' });
    expect(harness.sim.calls).toHaveLength(0);
  });
});

describe('faults on read calls (retried with backoff)', () => {
  it('retries throttling and 5xx, then succeeds', async () => {
    const order = buildOrder();
    harness = await startCasSim({ orders: [order] });
    harness.sim.faults.add({ action: 'DescribeCertificateState', fault: { kind: 'throttle' } });
    harness.sim.faults.add({
      action: 'DescribeCertificateState',
      fault: { kind: 'server-error', code: 'InternalError', status: 500 },
    });
    harness.sim.faults.add({ action: 'DescribeCertificateState', fault: { kind: 'drop' } });
    const client = harness.client({ random: () => 0.5 });

    const state = await client.describeCertificateState(String(order.orderId));

    expect(state.type).toBe('certificate');
    expect(harness.sim.calls.map((c) => c.outcome)).toEqual([
      'Throttling.User',
      'InternalError',
      'dropped',
      undefined,
    ]);
    expect(client.delays).toEqual([188, 375, 750]);
  });

  it('waits as long as x-acs-retry-after asks (milliseconds, as the official SDK reads it)', async () => {
    harness = await startCasSim();
    harness.sim.faults.add({
      action: 'ListUserCertificateOrder',
      fault: { kind: 'throttle', retryAfterMs: 1500 },
    });
    const client = harness.client();

    await client.listUserCertificateOrder({});

    expect(client.delays).toEqual([1500]);
  });

  it('gives up after its retries with the last error', async () => {
    harness = await startCasSim();
    harness.sim.faults.add({
      action: 'ListUserCertificateOrder',
      fault: { kind: 'server-error' },
      times: 10,
    });
    const client = harness.client({ readRetries: 2 });

    const attempt = client.listUserCertificateOrder({});

    await expect(attempt).rejects.toMatchObject({ casCode: 'ServiceUnavailable', retryable: true });
    expect(harness.sim.calls).toHaveLength(3);
  });

  it('does not retry a definitive error', async () => {
    harness = await startCasSim();
    harness.sim.faults.add({
      fault: {
        kind: 'error',
        status: 403,
        code: 'Forbidden.RAM',
        message: 'User not authorized to operate on the specified resource.',
      },
    });
    const client = harness.client();

    await expect(client.describePackageState()).rejects.toMatchObject({
      casCode: 'Forbidden.RAM',
      retryable: false,
      outcome: 'rejected',
      httpStatus: 403,
    });
    expect(harness.sim.calls).toHaveLength(1);
  });

  it('throttles ListUserCertificateOrder above 10 calls per second per account', async () => {
    let now = Date.parse('2026-11-28T10:00:00Z');
    harness = await startCasSim({}, { now: () => now });
    const client = harness.client({ readRetries: 0, now: () => now });

    for (let i = 0; i < 10; i++) await client.listUserCertificateOrder({});
    const eleventh = client.listUserCertificateOrder({});
    await expect(eleventh).rejects.toMatchObject({ casCode: 'Throttling.User' });
    now += 1000;

    await expect(client.listUserCertificateOrder({})).resolves.toMatchObject({ TotalCount: 0 });
  });
});

describe('responses that are not CAS answers', () => {
  it('classifies a proxy 502 page without a CAS body as a retryable server error', async () => {
    const url = await rawServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad Gateway</html>');
    });
    const client = createCasClient({ endpoint: url, credentials: () => testCredentials, readRetries: 0 });

    await expect(client.renewCertificateOrderForPackageRequest({ orderId: '1' })).rejects.toMatchObject({
      casCode: 'ServiceUnavailable',
      httpStatus: 502,
      outcome: 'unknown',
    });
  });

  it.each([
    ['not JSON', 'OK'],
    ['the wrong shape', '{"Foo":1}'],
  ])('rejects a 200 body that is %s as CAS_BAD_RESPONSE', async (_label, body) => {
    const url = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    const client = createCasClient({ endpoint: url, credentials: () => testCredentials, readRetries: 0 });

    await expect(client.describeCertificateState('1')).rejects.toMatchObject({
      code: 'CAS_BAD_RESPONSE',
      retryable: false,
    });
  });
});

describe('what the real service may send that the simulator does not by default', () => {
  const client = (url: string) =>
    createCasClient({ endpoint: url, credentials: () => testCredentials, readRetries: 0, timeoutMs: 2_000 });

  it('optional fields as JSON null are read as absent', async () => {
    const url = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        '{"RequestId":"R1","InstanceId":"cas-ivauto-1","Status":"inactive","CertificateStatus":null,"CertificateId":null,"PendingResult":null,"ContactIdList":null,"DomainValidationList":null}',
      );
    });

    const detail = await client(url).getInstanceDetail('cas-ivauto-1');

    expect(detail).toEqual({
      RequestId: 'R1',
      InstanceId: 'cas-ivauto-1',
      Status: 'inactive',
      CertificateStatus: undefined,
      CertificateId: undefined,
      PendingResult: undefined,
      ContactIdList: undefined,
      DomainValidationList: [],
    });
  });

  it('a list whose rows carry nulls, and a null list, are read', async () => {
    const url = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        '{"RequestId":"R2","TotalCount":1,"ShowSize":50,"CurrentPage":1,"CertificateOrderList":[{"OrderId":9007199254740993,"Domain":null,"InstanceId":"cas-x","Status":"PAYED","BuyDate":null,"CertEndTime":null}]}',
      );
    });

    const page = await client(url).listUserCertificateOrder({ status: 'PAYED' });

    expect(page.CertificateOrderList).toEqual([
      expect.objectContaining({ OrderId: '9007199254740993', Domain: undefined, BuyDate: undefined }),
    ]);
  });

  it('an error body that spells code and message in lower case keeps both', async () => {
    const url = await rawServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"requestId":"R3","code":"Forbidden.RAM","message":"User not authorized."}');
    });

    const attempt = client(url).describeCertificateState('1');

    await expect(attempt).rejects.toMatchObject({
      casCode: 'Forbidden.RAM',
      casMessage: 'User not authorized.',
      requestId: 'R3',
      retryable: false,
      outcome: 'rejected',
    });
  });

  it('any error with x-acs-retry-after is throttling, whatever its code: not executed, retryable', async () => {
    const url = await rawServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json', 'x-acs-retry-after': '1500' });
      res.end('{"RequestId":"R4","Code":"Flow.Limited","Message":"Too many requests."}');
    });

    const attempt = client(url).applyCertificate('cas-ivauto-1');

    await expect(attempt).rejects.toMatchObject({
      casCode: 'Flow.Limited',
      retryable: true,
      outcome: 'not_executed',
      retryAfterMs: 1500,
    });
  });
});
