import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LosslessNumber, stringify } from 'lossless-json';
import { int64Fields } from '../cas/int64-json.ts';
import { x509 } from '../x509.ts';
import { createDeploymentStore } from './deployments.ts';
import { createFaultQueue, type Fault, type HeldRequest } from './faults.ts';
import { createOrderStore, type SimOrder } from './orders.ts';
import { SimSeed } from './seed.ts';
import { createSimCa, isParsableCsr } from './sim-ca.ts';
import { SimError } from './sim-error.ts';
import { parseRawQuery, type RawRequest, type SimAccessKey, verifyV3 } from './verify-v3.ts';

/** One call the simulator received, after its signature was checked. */
export interface SimCall {
  action: string;
  params: Record<string, string>;
  accessKeyId: string | undefined;
  at: number;
  /** The error code answered, `dropped`/`lost` for network faults, undefined on success. */
  outcome: string | undefined;
}

/** Options of {@link createCasSimulator}. */
export interface CasSimulatorOptions {
  seed?: SimSeed;
  /** Simulator clock, epoch milliseconds. @defaultValue Date.now */
  now?: () => number;
  /** Host answered in `HostId`. @defaultValue cas.aliyuncs.com */
  hostId?: string;
  /** Keep this many raw requests for replay/tamper tests. @defaultValue 50 */
  keepRawRequests?: number;
}

const casVersion = '2020-04-07';
const nonceWindowMs = 15 * 60 * 1000;

/** IDs CAS sends as strings in some responses (DescribeCertificateState.CertId): left as given there. */
const stringIdsOf: Record<string, ReadonlySet<string>> = { DescribeCertificateState: new Set(['CertId']) };

function toJson(value: Record<string, unknown>, stringIds: ReadonlySet<string> = new Set()): string {
  const mark = (v: unknown, key: string): unknown => {
    if (Array.isArray(v)) return v.map((item) => mark(item, ''));
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mark(x, k)]));
    // IDs are int64: written as JSON numbers with every digit, as CAS does.
    if (
      int64Fields.has(key) &&
      typeof v === 'string' &&
      /^[0-9]+$/.test(v) &&
      key !== 'InstanceId' &&
      !stringIds.has(key)
    )
      return new LosslessNumber(v);
    return v;
  };
  return stringify(mark(value, '')) ?? '{}';
}

function orderItem(o: SimOrder): Record<string, unknown> {
  return {
    OrderId: o.orderId,
    InstanceId: o.instanceId,
    // A new order before its application may carry no domain (RenewalBehaviour.listing = bare).
    Domain: o.domain === '' ? null : o.domain,
    Status: o.status,
    ProductName: o.productName,
    ProductCode: o.productCode,
    CertType: o.certType,
    DomainType: o.domainType,
    Algorithm: o.algorithm,
    SourceType: o.orderType === 'CPACK' ? 'cpack' : 'buy',
    BuyDate: o.buyDate,
    // Optional fields come as null, as the real service may send them.
    CertStartTime: o.certStartTime ?? null,
    CertEndTime: o.certEndTime ?? null,
    AliyunOrderId: String(BigInt(o.orderId) + 9_000_000_000n),
    WildDomainCount: 0,
    DomainCount: 1,
  };
}

/**
 * A local stand-in for Alibaba Cloud CAS 2020-04-07: the four operations the bot uses, V3 signatures checked as
 * Alibaba does, int64 IDs as JSON numbers, Alibaba's error bodies, scripted order states and injectable faults.
 */
export function createCasSimulator(options: CasSimulatorOptions = {}) {
  const now = options.now ?? Date.now;
  const hostId = options.hostId ?? 'cas.aliyuncs.com';
  const seed = SimSeed.parse(options.seed ?? {});
  const store = createOrderStore(seed, { now, ca: createSimCa() });
  const deployments = createDeploymentStore({
    now,
    certificateExists: (certId) => store.certificateExists(certId),
    certificateDomain: (certId) =>
      [...store.orders.values()].find((o) => o.instance.certificateId === certId)?.domain,
    contactExists: (contactId) => store.contacts.has(contactId),
    behaviour: seed.deployApi,
  });
  for (const r of seed.resources) {
    const certId = r.certId ?? (r.servesOrder ? store.get(r.servesOrder)?.instance.certificateId : undefined);
    deployments.addResource({
      id: r.id,
      cloudProduct: r.cloudProduct,
      domain: r.domain,
      regionId: r.regionId,
      listenerPort: r.listenerPort,
      certId,
      fail: r.fail,
      rollbackFails: r.rollbackFails,
    });
  }
  const keys = new Map<string, SimAccessKey>(seed.accessKeys.map((k) => [k.accessKeyId, k]));
  const faults = createFaultQueue();
  /** Emits `held` with a {@link HeldRequest} when a `hold` fault parks a request. */
  const events = new EventEmitter();
  const calls: SimCall[] = [];
  const rawRequests: RawRequest[] = [];
  const nonces = new Map<string, number>();
  const recent = new Map<string, number[]>();
  let server: Server | undefined;

  function checkQps(action: string, accessKeyId: string): void {
    const limit = seed.qps[action];
    if (limit === undefined) return;
    const t = now();
    const key = `${accessKeyId}/${action}`;
    const times = (recent.get(key) ?? []).filter((x) => t - x < 1000);
    if (times.length >= limit) {
      recent.set(key, times);
      throw new SimError(400, 'Throttling.User', 'Request was denied due to user flow control.');
    }
    times.push(t);
    recent.set(key, times);
  }

  function hold(action: string): Promise<'answer' | 'drop'> {
    return new Promise((resolve) => {
      const held: HeldRequest = { action, release: resolve };
      events.emit('held', held);
    });
  }

  function checkNonce(nonce: string): void {
    const t = now();
    for (const [n, at] of nonces) if (t - at > nonceWindowMs) nonces.delete(n);
    if (nonces.has(nonce))
      throw new SimError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    nonces.set(nonce, t);
  }

  function requireOrderId(params: Record<string, string>): string {
    const id = params.OrderId;
    if (id === undefined || id === '')
      throw new SimError(400, 'MissingOrderId', 'OrderId is mandatory for this action.');
    if (!/^[0-9]{1,19}$/.test(id) || BigInt(id) > 9223372036854775807n) {
      throw new SimError(400, 'InvalidParameter', 'The specified parameter OrderId is not valid.');
    }
    return id;
  }

  function paging(params: Record<string, string>): { page: number; size: number } {
    const page = Number(params.CurrentPage ?? '1');
    const size = Number(params.ShowSize ?? '20');
    if (!Number.isInteger(page) || page < 1)
      throw new SimError(400, 'InvalidParameter', 'The specified parameter CurrentPage is not valid.');
    if (!Number.isInteger(size) || size < 1 || size > seed.maxShowSize)
      throw new SimError(400, 'InvalidParameter', 'The specified parameter ShowSize is not valid.');
    return { page, size };
  }

  /** A `Data[]`/`Total` page of `all`, as the deployment API lists. */
  function dataPage<T>(params: Record<string, string>, all: readonly T[]) {
    const { page, size } = paging(params);
    return {
      Total: all.length,
      CurrentPage: page,
      ShowSize: size,
      Data: all.slice((page - 1) * size, page * size),
    };
  }

  function requireInstanceId(params: Record<string, string>): string {
    const id = params.InstanceId;
    if (id === undefined || id === '')
      throw new SimError(400, 'MissingInstanceId', 'InstanceId is mandatory for this action.');
    return id;
  }

  async function act(action: string, params: Record<string, string>): Promise<Record<string, unknown>> {
    switch (action) {
      case 'ListCloudResources':
        return dataPage(params, deployments.listCloudResources(params).map(deployments.resourceItem));
      case 'GetUserCertificateDetail': {
        const certId = params.CertId ?? '';
        const cert = await store.servable(certId);
        const order = [...store.orders.values()].find((o) => o.instance.certificateId === certId);
        if (!order?.issued) throw new SimError(404, 'NotFound', '没有找到必要内容，请检查参数输入');
        const parsed = new x509.X509Certificate(order.issued.certificatePem);
        const sha256 = Buffer.from(await parsed.getThumbprint('SHA-256'))
          .toString('hex')
          .toUpperCase();
        return {
          Id: certId,
          Common: order.domain,
          Sans: order.domain,
          NotAfter: parsed.notAfter.getTime(),
          SerialNo: parsed.serialNumber,
          Sha2: sha256,
          OrderId: order.orderId,
          InstanceId: order.instanceId,
          // Only without CertFilter=true: the PEM and the private key, as the real service returns them.
          ...(params.CertFilter === 'true'
            ? {}
            : { Cert: order.issued.certificatePem, ...(cert ? { Key: cert.privateKeyPem } : {}) }),
        };
      }
      case 'CreateDeploymentJob':
        return { JobId: deployments.create(params).id };
      case 'UpdateDeploymentJobStatus':
        deployments.updateStatus(params.JobId, params.Status);
        return { Data: [] };
      case 'DescribeDeploymentJob':
        return deployments.describe(params.JobId);
      case 'ListDeploymentJob':
        return dataPage(params, deployments.list(params));
      case 'DeleteDeploymentJob':
        deployments.remove(params.JobId);
        return {};
      case 'ListWorkerResource':
        return dataPage(params, deployments.workers(params.JobId));
      case 'UpdateWorkerResourceStatus':
        deployments.rollback(params.JobId, params.WorkerId, params.Status);
        return { Data: [] };
      case 'GetInstanceDetail':
        return store.instanceDetail(requireInstanceId(params));
      case 'UpdateInstance':
        store.updateInstance(requireInstanceId(params), params);
        return {};
      case 'ApplyCertificate':
        store.applyCertificate(requireInstanceId(params));
        return {};
      case 'ListContact': {
        const { page, size } = paging(params);
        const r = store.listContacts(page, size);
        return {
          TotalCount: r.total,
          CurrentPage: page,
          ShowSize: size,
          ContactList: r.page.map((c) => ({
            ContactId: c.contactId,
            Name: c.name,
            Email: c.email,
            Mobile: '138****0000',
            EmailStatus: 1,
            MobileStatus: 1,
          })),
        };
      }
      case 'RenewCertificateOrderForPackageRequest': {
        const orderId = requireOrderId(params);
        if (params.Csr !== undefined && !isParsableCsr(params.Csr)) {
          throw new SimError(
            400,
            'InvalidParameter.Csr',
            'The specified CSR is not a valid PKCS#10 certificate request.',
          );
        }
        const created = store.renew(orderId, params.Csr);
        return { OrderId: created.orderId };
      }
      case 'DescribeCertificateState':
        return store.describe(requireOrderId(params));
      case 'ListUserCertificateOrder': {
        const { page, size } = paging(params);
        const r = store.list({
          orderType: params.OrderType ?? 'CPACK',
          status: params.Status,
          keyword: params.Keyword,
          page,
          size,
        });
        return {
          TotalCount: r.total,
          ShowSize: size,
          CurrentPage: page,
          CertificateOrderList: r.page.map(orderItem),
        };
      }
      case 'DescribePackageState': {
        const code = params.ProductCode ?? 'digicert-free-1-free';
        const p = store.packageState(code);
        return {
          ProductCode: code,
          TotalCount: p.totalCount,
          UsedCount: p.usedCount,
          IssuedCount: p.usedCount,
        };
      }
      default:
        throw new SimError(
          404,
          'InvalidAction.NotFound',
          `Specified api ${action} is not found, please check your url and method.`,
        );
    }
  }

  function send(
    res: ServerResponse,
    status: number,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
    action = '',
  ): void {
    const text = toJson(body, stringIdsOf[action]);
    res.writeHead(status, {
      'content-type': 'application/json;charset=utf-8',
      'x-acs-request-id': String(body.RequestId),
      ...headers,
    });
    res.end(text);
  }

  function sendError(
    res: ServerResponse,
    requestId: string,
    err: SimError,
    headers: Record<string, string> = {},
  ): void {
    send(
      res,
      err.httpStatus,
      {
        RequestId: requestId,
        HostId: hostId,
        Code: err.code,
        Message: err.message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=cas`,
      },
      headers,
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID().toUpperCase();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw: RawRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers as Record<string, string | undefined>,
      body: Buffer.concat(chunks),
    };
    rawRequests.push(raw);
    if (rawRequests.length > (options.keepRawRequests ?? 50)) rawRequests.shift();

    let action = raw.headers['x-acs-action'] ?? '';
    let params: Record<string, string> = {};
    let accessKeyId: string | undefined;
    const record = (outcome: string | undefined) =>
      calls.push({ action, params, accessKeyId, at: now(), outcome });
    let fault: Fault | undefined;
    try {
      if (raw.method !== 'POST' && raw.method !== 'GET') {
        throw new SimError(400, 'UnsupportedHTTPMethod', `HTTP method ${raw.method} is not supported.`);
      }
      params = Object.fromEntries(parseRawQuery(raw.url));
      const key = verifyV3(raw, keys, now());
      accessKeyId = key.accessKeyId;
      checkNonce(raw.headers['x-acs-signature-nonce'] ?? '');
      if (raw.headers['x-acs-version'] !== casVersion) {
        throw new SimError(
          400,
          'InvalidVersion',
          `Specified parameter Version ${raw.headers['x-acs-version']} is not valid.`,
        );
      }
      action = raw.headers['x-acs-action'] ?? '';
      fault = faults.take(action);
      if (fault?.kind === 'slow')
        await new Promise((r) => setTimeout(r, fault?.kind === 'slow' ? fault.delayMs : 0));
      if (fault?.kind === 'hold' && !fault.afterActing && (await hold(action)) === 'drop') {
        record('dropped');
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'drop') {
        record('dropped');
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'throttle') {
        throw Object.assign(
          new SimError(400, 'Throttling.User', 'Request was denied due to user flow control.'),
          {
            retryAfterMs: fault.retryAfterMs,
          },
        );
      }
      if (fault?.kind === 'server-error') {
        throw new SimError(
          fault.status ?? 503,
          fault.code ?? 'ServiceUnavailable',
          'The request has failed due to a temporary failure of the server.',
        );
      }
      if (fault?.kind === 'error')
        throw new SimError(fault.status, fault.code, fault.message ?? `Injected ${fault.code}.`);
      checkQps(action, key.accessKeyId);

      const body = await act(action, params);
      if (fault?.kind === 'hold' && fault.afterActing && (await hold(action)) === 'drop') {
        record('lost');
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'lost-response') {
        record('lost');
        const socket = req.socket;
        if (fault.hangMs) setTimeout(() => socket.destroy(), fault.hangMs).unref();
        else socket.destroy();
        return;
      }
      if (fault?.kind === 'malformed') {
        record('malformed');
        res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' });
        res.end(JSON.stringify({ ...body, RequestId: requestId }).slice(0, 40));
        return;
      }
      if (fault?.kind === 'error-after-acting') {
        throw new SimError(
          fault.status ?? 500,
          fault.code ?? 'InternalError',
          'The request processing has failed due to some unknown error.',
        );
      }
      record(undefined);
      send(res, 200, { ...body, RequestId: requestId }, {}, action);
    } catch (err) {
      const simError =
        err instanceof SimError
          ? err
          : new SimError(500, 'InternalError', 'The simulator failed unexpectedly.');
      record(simError.code);
      const retryAfterMs = (err as { retryAfterMs?: number }).retryAfterMs;
      sendError(
        res,
        requestId,
        simError,
        retryAfterMs !== undefined ? { 'x-acs-retry-after': String(retryAfterMs) } : {},
      );
    }
  }

  return {
    store,
    deployments,
    /**
     * What a TLS endpoint of `domain` serves now: the certificate (and key) of the first resource with that
     * domain; undefined when no resource serves it or its key is not the simulator's.
     */
    async served(domain: string): Promise<{ certificatePem: string; privateKeyPem: string } | undefined> {
      const resource = [...deployments.resources.values()].find((r) => r.domain === domain);
      return resource?.certId ? store.servable(resource.certId) : undefined;
    },
    faults,
    events,
    /** Every call after signature verification, in order. */
    calls,
    /** The latest raw requests as received (for replay and tamper tests). */
    rawRequests,
    /** Adds an AccessKey the simulator accepts. */
    addAccessKey(key: SimAccessKey): void {
      keys.set(key.accessKeyId, key);
    },
    /** How many applications were submitted for an order's instance (ApplyCertificate or by hand). */
    applications(orderId: string): number {
      return store.get(orderId)?.instance.applications ?? 0;
    },
    /** How many renewals were performed (successful `RenewCertificateOrderForPackageRequest` actions). */
    renewCount(): number {
      return [...store.orders.values()].filter((o) => o.renewedFrom !== undefined).length;
    },
    /** Starts listening on 127.0.0.1 (port 0 = any free port); resolves to the base URL. */
    async listen(port = 0, host = '127.0.0.1'): Promise<string> {
      server = createServer((req, res) => {
        handle(req, res).catch(() => res.destroy());
      });
      await new Promise<void>((resolve) => server?.listen(port, host, resolve));
      const address = server.address() as AddressInfo;
      return `http://${host}:${address.port}`;
    },
    async close(): Promise<void> {
      if (!server) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    },
  };
}

/** A running or ready simulator. */
export type CasSimulator = ReturnType<typeof createCasSimulator>;
