import { randomBytes } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { type Logger, silentLogger } from '../logger.ts';
import { CasApiError, type CasError, CasNetworkError, CasResponseError, errorCode } from './errors.ts';
import { parseCasJson } from './int64-json.ts';
import type { Pace } from './pacer.ts';
import {
  CasErrorResponse,
  CertificateDetailResponse,
  type CertificateOrder,
  CertificatePemResponse,
  type CertificateState,
  type CloudResource,
  type Contact,
  CreateDeploymentJobResponse,
  DescribeCertificateStateResponse,
  DescribeDeploymentJobResponse,
  DescribePackageStateResponse,
  GetInstanceDetailResponse,
  ListCloudResourcesResponse,
  ListContactResponse,
  ListDeploymentJobResponse,
  ListUserCertificateOrderResponse,
  ListWorkerResourceResponse,
  RenewResponse,
  RequestIdOnly,
  type WorkerResource,
} from './schemas.ts';
import { canonicalQuery } from './signing/canonical.ts';
import { type Credentials, signV3 } from './signing/sign-v3.ts';
import { defaultFetch, type FetchLike, failedBeforeSending, networkErrorCode } from './transport.ts';

/** CAS API version every call is made with. */
export const casApiVersion = '2020-04-07';

/** Filters of ListUserCertificateOrder. */
export interface ListOrdersFilter {
  /** Fuzzy match on domain or resource ID. */
  keyword?: string;
  /** e.g. `WILLEXPIRED`, `ISSUED`, `EXPIRED`, `PAYED`. */
  status?: string;
  /** @defaultValue CPACK */
  orderType?: 'CPACK' | 'BUY' | 'UPLOAD' | 'CERT';
  resourceGroupId?: string;
  /** Orders per page. @defaultValue 50 */
  showSize?: number;
}

/** The application of a certificate instance (UpdateInstance), as the bot submits it. */
export interface InstanceApplication {
  instanceId: string;
  /** Comma-separated domains; may be omitted when a CSR names them (its CN wins). */
  domain?: string | undefined;
  /** The requester's CSR (`GenerateCsrMethod=upload`); without it CAS generates the key (`online`). */
  csr?: string | undefined;
  /** `DNS` or `HTTP` (the instance API's names, not the order API's DNS/FILE). */
  validationMethod: 'DNS' | 'HTTP';
  /** Key CAS generates when there is no CSR, e.g. `RSA_2048`. */
  keyAlgorithm?: string | undefined;
  /** At least one CAS contact, or ApplyCertificate fails. */
  contactIds: readonly string[];
  /** Required for OV/EV. */
  companyId?: string | undefined;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call (e.g. the job's AbortSignal on shutdown). */
  signal?: AbortSignal;
}

/** Dependencies and settings of {@link createCasClient}. */
export interface CasClientOptions {
  /** Base URL, e.g. `https://cas.aliyuncs.com`. */
  endpoint: string;
  /** Returns the credentials to sign with; called for every request so that rotated keys are picked up. */
  credentials: () => Credentials | Promise<Credentials>;
  /** @defaultValue undici's fetch */
  fetch?: FetchLike;
  /** Passed to fetch (timeouts, proxy); see createCasDispatcher. */
  dispatcher?: Dispatcher;
  /** Whole-call deadline, milliseconds. @defaultValue 15000 */
  timeoutMs?: number;
  /** Current time, epoch milliseconds. @defaultValue Date.now */
  now?: () => number;
  /** A fresh unique nonce per request. @defaultValue 32 random hex bytes */
  nonce?: () => string;
  /** Waits between retries of read-only calls. @defaultValue setTimeout-based */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform [0, 1) for retry jitter. @defaultValue Math.random */
  random?: () => number;
  /** Extra tries for read-only calls on retryable errors. Renew is never retried here. @defaultValue 3 */
  readRetries?: number;
  /** First retry delay, milliseconds; doubles each time, capped at 10 s. @defaultValue 250 */
  retryBaseMs?: number;
  logger?: Logger;
  /** Waits before each request until the action's rate allows it, and hears when its answer is back (pacer.ts). */
  pace?: Pace;
  /** Called after every HTTP exchange (for metrics). */
  onCall?: (event: { action: string; durationMs: number; errorCode: string | undefined }) => void;
}

/** The CAS operations the bot uses. Order IDs are exact decimal strings. */
export interface CasClient {
  /** Spends plan quota. Never retried by the client: the caller must treat `outcome: 'unknown'` as "maybe renewed". */
  renewCertificateOrderForPackageRequest(
    input: { orderId: string; csr?: string | undefined },
    options?: CallOptions,
  ): Promise<{ newOrderId: string; requestId: string }>;
  describeCertificateState(orderId: string, options?: CallOptions): Promise<CertificateState>;
  listUserCertificateOrder(
    filter: ListOrdersFilter & { currentPage?: number },
    options?: CallOptions,
  ): Promise<ListUserCertificateOrderResponse>;
  /** Every order matching the filter, page by page. */
  listAllUserCertificateOrders(
    filter?: ListOrdersFilter,
    options?: CallOptions,
  ): AsyncGenerator<CertificateOrder>;
  describePackageState(
    productCode?: string,
    options?: CallOptions,
  ): Promise<{
    productCode: string | undefined;
    totalCount: number;
    usedCount: number;
    remaining: number;
    requestId: string;
  }>;
  /** A certificate instance: its status (`inactive` = awaits its application), validation records, certificate. */
  getInstanceDetail(instanceId: string, options?: CallOptions): Promise<GetInstanceDetailResponse>;
  /** Sets an instance's application data (idempotent, so retried like a read). */
  updateInstance(input: InstanceApplication, options?: CallOptions): Promise<{ requestId: string }>;
  /** Submits an instance's application. Never retried here: one application per instance, by the caller's claim. */
  applyCertificate(instanceId: string, options?: CallOptions): Promise<{ requestId: string }>;
  /** Every CAS contact (all pages). */
  listContacts(options?: CallOptions): Promise<Contact[]>;
  /**
   * Cloud resources (all pages), optionally of one product and only those serving one of `certIds`. Without
   * `cloudProduct` (optional in Alibaba's model) one listing covers every product.
   */
  listCloudResources(
    filter: { cloudProduct?: string | undefined; certIds?: readonly string[]; keyword?: string },
    options?: CallOptions,
  ): Promise<CloudResource[]>;
  /** Creates a deployment job; it stays `editing` until {@link CasClient.updateDeploymentJobStatus}. Never retried here. */
  createDeploymentJob(
    input: {
      name: string;
      certIds: readonly string[];
      resourceIds: readonly string[];
      contactIds: readonly string[];
    },
    options?: CallOptions,
  ): Promise<{ jobId: string }>;
  /** `pending` starts an `editing` job (idempotent). */
  updateDeploymentJobStatus(
    jobId: string,
    status: 'pending' | 'editing' | 'scheduling',
    options?: CallOptions,
  ): Promise<void>;
  describeDeploymentJob(jobId: string, options?: CallOptions): Promise<DescribeDeploymentJobResponse>;
  /**
   * The account's deployment jobs of `JobType=user` (all pages). ListDeploymentJob has no name filter: callers
   * match `Name` themselves.
   */
  listDeploymentJobs(
    options?: CallOptions,
  ): Promise<
    Array<{ Id: string; Name?: string | undefined; Status?: string | undefined; Del?: number | undefined }>
  >;
  /** Every resource of a job, with its outcome. */
  listWorkerResources(jobId: string, options?: CallOptions): Promise<WorkerResource[]>;
  /** A certificate's facts (fingerprint, names, dates), never its PEM or private key (`CertFilter=true`). */
  getUserCertificateDetail(certId: string, options?: CallOptions): Promise<CertificateDetailResponse>;
  /**
   * A certificate's PEM (to fingerprint it). CAS sends the private key in the same answer: the parser keeps only
   * `Cert`, so the key is never returned, stored or logged.
   */
  getCertificatePem(certId: string, options?: CallOptions): Promise<string>;
  /** Rolls one resource of a job back to the certificate it served before. */
  rollbackWorkerResource(jobId: string, workerId: string, options?: CallOptions): Promise<void>;
}

/** Orders or contacts per page: ShowSize above 50 is undocumented, so no call asks for more. */
export const maxPageSize = 50;

const instanceIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

function assertInstanceId(instanceId: string): void {
  if (!instanceIdPattern.test(instanceId)) {
    throw new TypeError(
      `instance ID must be 1-128 letters, digits, _ . : -, got ${JSON.stringify(instanceId.slice(0, 40))}`,
    );
  }
}

const orderIdPattern = /^[0-9]{1,19}$/;

function assertOrderId(orderId: string): void {
  if (!orderIdPattern.test(orderId) || BigInt(orderId) > 9223372036854775807n) {
    throw new TypeError(
      `order ID must be 1-19 digits within int64, got ${JSON.stringify(orderId.slice(0, 40))}`,
    );
  }
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** Creates a signed CAS (2020-04-07) client. */
export function createCasClient(options: CasClientOptions): CasClient {
  const endpoint = new URL(options.endpoint);
  const doFetch = options.fetch ?? defaultFetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const now = options.now ?? Date.now;
  const nonce = options.nonce ?? (() => randomBytes(32).toString('hex'));
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const readRetries = options.readRetries ?? 3;
  const retryBaseMs = options.retryBaseMs ?? 250;
  const logger = options.logger ?? silentLogger;

  async function callOnce<S extends z.ZodType>(
    action: string,
    query: Array<[string, string]>,
    schema: S,
    callOptions: CallOptions,
  ): Promise<z.output<S>> {
    const paced = await options.pace?.(action);
    try {
      return await sendOnce(action, query, schema, callOptions);
    } finally {
      paced?.();
    }
  }

  async function sendOnce<S extends z.ZodType>(
    action: string,
    query: Array<[string, string]>,
    schema: S,
    callOptions: CallOptions,
  ): Promise<z.output<S>> {
    const credentials = await options.credentials();
    const headers = signV3({
      method: 'POST',
      host: endpoint.host,
      action,
      version: casApiVersion,
      query,
      credentials,
      date: new Date(now()),
      nonce: nonce(),
    });
    const qs = canonicalQuery(query);
    const url = `${endpoint.origin}/${qs === '' ? '' : `?${qs}`}`;
    const started = performance.now();
    if (callOptions.signal?.aborted) {
      throw new CasNetworkError(action, false, 'aborted before sending', callOptions.signal.reason);
    }
    const signal = callOptions.signal
      ? AbortSignal.any([callOptions.signal, AbortSignal.timeout(timeoutMs)])
      : AbortSignal.timeout(timeoutMs);
    let failedCode: string | undefined;
    try {
      let response: Awaited<ReturnType<FetchLike>>;
      let text: string;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers,
          signal,
          ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
        });
        text = await response.text();
      } catch (err) {
        const sent = !failedBeforeSending(err);
        const detail = signal.aborted
          ? callOptions.signal?.aborted
            ? 'aborted'
            : `no answer within ${timeoutMs} ms`
          : (networkErrorCode(err) ?? (err as Error).message);
        throw new CasNetworkError(action, sent, detail, err);
      }
      if (response.status < 200 || response.status >= 300) {
        throw apiError(action, response.status, text, response.headers.get('x-acs-retry-after'));
      }
      let body: unknown;
      try {
        body = parseCasJson(text);
      } catch (err) {
        throw new CasResponseError(action, `HTTP ${response.status} body is not JSON`, err);
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        throw new CasResponseError(
          action,
          parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
        );
      }
      return parsed.data;
    } catch (err) {
      failedCode = errorCode(err);
      throw err;
    } finally {
      const durationMs = performance.now() - started;
      options.onCall?.({ action, durationMs, errorCode: failedCode });
      logger.debug(
        { cas: { action, durationMs: Math.round(durationMs), errorCode: failedCode } },
        'CAS call',
      );
    }
  }

  async function callRead<S extends z.ZodType>(
    action: string,
    query: Array<[string, string]>,
    schema: S,
    callOptions: CallOptions,
  ): Promise<z.output<S>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await callOnce(action, query, schema, callOptions);
      } catch (err) {
        const retryable = (err as CasError).retryable === true;
        if (!retryable || attempt >= readRetries || callOptions.signal?.aborted) throw err;
        const hinted = err instanceof CasApiError ? err.retryAfterMs : undefined;
        const backoff = Math.min(10_000, retryBaseMs * 2 ** attempt);
        const delay =
          hinted !== undefined
            ? Math.min(hinted, 120_000)
            : Math.round(backoff / 2 + (random() * backoff) / 2);
        logger.warn(
          { cas: { action, attempt: attempt + 1, delayMs: delay, code: (err as CasError).code } },
          'CAS call retried',
        );
        await sleep(delay, callOptions.signal);
      }
    }
  }

  /** Every item of a `Data[]`/`Total` list, 50 per page. */
  async function pages<T>(
    action: string,
    base: Array<[string, string]>,
    schema: z.ZodType<{ Data: T[]; Total?: number | undefined }>,
    callOptions: CallOptions,
  ): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; ; page++) {
      const r = await callRead(
        action,
        [...base, ['CurrentPage', String(page)], ['ShowSize', String(maxPageSize)]],
        schema,
        callOptions,
      );
      items.push(...r.Data);
      // A list may cap ShowSize below what was asked: a short page is not the last one (reference §8).
      if (r.Data.length === 0 || items.length >= (r.Total ?? 0)) return items;
    }
  }

  async function* listAll(
    filter: ListOrdersFilter = {},
    callOptions: CallOptions = {},
  ): AsyncGenerator<CertificateOrder> {
    let seen = 0;
    for (let page = 1; ; page++) {
      const result = await client.listUserCertificateOrder({ ...filter, currentPage: page }, callOptions);
      for (const order of result.CertificateOrderList) yield order;
      seen += result.CertificateOrderList.length;
      if (result.CertificateOrderList.length === 0 || seen >= result.TotalCount) return;
    }
  }

  const client: CasClient = {
    async renewCertificateOrderForPackageRequest(input, callOptions = {}) {
      assertOrderId(input.orderId);
      const query: Array<[string, string]> = [['OrderId', input.orderId]];
      if (input.csr !== undefined) query.push(['Csr', input.csr]);
      const r = await callOnce('RenewCertificateOrderForPackageRequest', query, RenewResponse, callOptions);
      return { newOrderId: r.OrderId, requestId: r.RequestId };
    },
    async describeCertificateState(orderId, callOptions = {}) {
      assertOrderId(orderId);
      return callRead(
        'DescribeCertificateState',
        [['OrderId', orderId]],
        DescribeCertificateStateResponse,
        callOptions,
      );
    },
    async listUserCertificateOrder(filter, callOptions = {}) {
      const query: Array<[string, string]> = [
        ['OrderType', filter.orderType ?? 'CPACK'],
        ['CurrentPage', String(filter.currentPage ?? 1)],
        ['ShowSize', String(Math.min(filter.showSize ?? maxPageSize, maxPageSize))],
      ];
      if (filter.status !== undefined) query.push(['Status', filter.status]);
      if (filter.keyword !== undefined) query.push(['Keyword', filter.keyword]);
      if (filter.resourceGroupId !== undefined) query.push(['ResourceGroupId', filter.resourceGroupId]);
      return callRead('ListUserCertificateOrder', query, ListUserCertificateOrderResponse, callOptions);
    },
    listAllUserCertificateOrders: listAll,
    async describePackageState(productCode, callOptions = {}) {
      const query: Array<[string, string]> = productCode === undefined ? [] : [['ProductCode', productCode]];
      const r = await callRead('DescribePackageState', query, DescribePackageStateResponse, callOptions);
      return {
        productCode: r.ProductCode,
        totalCount: r.TotalCount,
        usedCount: r.UsedCount,
        remaining: Math.max(0, r.TotalCount - r.UsedCount),
        requestId: r.RequestId,
      };
    },
    async getInstanceDetail(instanceId, callOptions = {}) {
      assertInstanceId(instanceId);
      return callRead(
        'GetInstanceDetail',
        [['InstanceId', instanceId]],
        GetInstanceDetailResponse,
        callOptions,
      );
    },
    async updateInstance(input, callOptions = {}) {
      assertInstanceId(input.instanceId);
      const query: Array<[string, string]> = [
        ['InstanceId', input.instanceId],
        ['ValidationMethod', input.validationMethod],
        ['GenerateCsrMethod', input.csr !== undefined ? 'upload' : 'online'],
      ];
      if (input.domain !== undefined) query.push(['Domain', input.domain]);
      if (input.csr !== undefined) query.push(['Csr', input.csr]);
      else if (input.keyAlgorithm !== undefined) query.push(['KeyAlgorithm', input.keyAlgorithm]);
      // Flattened as Alibaba's SDK does (OpenApiUtil.query): ContactIdList.1, ContactIdList.2, …
      input.contactIds.forEach((id, i) => {
        query.push([`ContactIdList.${i + 1}`, id]);
      });
      if (input.companyId !== undefined) query.push(['CompanyId', input.companyId]);
      const r = await callRead('UpdateInstance', query, RequestIdOnly, callOptions);
      return { requestId: r.RequestId };
    },
    async applyCertificate(instanceId, callOptions = {}) {
      assertInstanceId(instanceId);
      const r = await callOnce('ApplyCertificate', [['InstanceId', instanceId]], RequestIdOnly, callOptions);
      return { requestId: r.RequestId };
    },
    async listContacts(callOptions = {}) {
      const contacts: Contact[] = [];
      for (let page = 1; ; page++) {
        const r = await callRead(
          'ListContact',
          [
            ['CurrentPage', String(page)],
            ['ShowSize', String(maxPageSize)],
          ],
          ListContactResponse,
          callOptions,
        );
        contacts.push(...r.ContactList);
        if (r.ContactList.length < maxPageSize || contacts.length >= (r.TotalCount ?? 0)) return contacts;
      }
    },
    async listCloudResources(filter, callOptions = {}) {
      const base: Array<[string, string]> = [['CloudName', 'aliyun']];
      if (filter.cloudProduct !== undefined) base.push(['CloudProduct', filter.cloudProduct]);
      // One JSON string, as the SDK sends it (`CertIds=[123,456]`).
      if (filter.certIds?.length) base.push(['CertIds', `[${filter.certIds.join(',')}]`]);
      if (filter.keyword !== undefined) base.push(['Keyword', filter.keyword]);
      return pages('ListCloudResources', base, ListCloudResourcesResponse, callOptions);
    },
    async createDeploymentJob(input, callOptions = {}) {
      const r = await callOnce(
        'CreateDeploymentJob',
        [
          ['Name', input.name],
          ['JobType', 'user'],
          ['CertIds', input.certIds.join(',')],
          ['ResourceIds', input.resourceIds.join(',')],
          ['ContactIds', input.contactIds.join(',')],
        ],
        CreateDeploymentJobResponse,
        callOptions,
      );
      return { jobId: r.JobId };
    },
    async updateDeploymentJobStatus(jobId, status, callOptions = {}) {
      assertOrderId(jobId);
      await callRead(
        'UpdateDeploymentJobStatus',
        [
          ['JobId', jobId],
          ['Status', status],
        ],
        RequestIdOnly,
        callOptions,
      );
    },
    async describeDeploymentJob(jobId, callOptions = {}) {
      assertOrderId(jobId);
      return callRead(
        'DescribeDeploymentJob',
        [['JobId', jobId]],
        DescribeDeploymentJobResponse,
        callOptions,
      );
    },
    async listDeploymentJobs(callOptions = {}) {
      return pages('ListDeploymentJob', [['JobType', 'user']], ListDeploymentJobResponse, callOptions);
    },
    async listWorkerResources(jobId, callOptions = {}) {
      assertOrderId(jobId);
      return pages('ListWorkerResource', [['JobId', jobId]], ListWorkerResourceResponse, callOptions);
    },
    async getUserCertificateDetail(certId, callOptions = {}) {
      assertOrderId(certId);
      return callRead(
        'GetUserCertificateDetail',
        [
          ['CertId', certId],
          ['CertFilter', 'true'],
        ],
        CertificateDetailResponse,
        callOptions,
      );
    },
    async getCertificatePem(certId, callOptions = {}) {
      assertOrderId(certId);
      const r = await callRead(
        'GetUserCertificateDetail',
        [['CertId', certId]],
        CertificatePemResponse,
        callOptions,
      );
      return r.Cert;
    },
    async rollbackWorkerResource(jobId, workerId, callOptions = {}) {
      assertOrderId(jobId);
      assertOrderId(workerId);
      await callRead(
        'UpdateWorkerResourceStatus',
        [
          ['JobId', jobId],
          ['WorkerId', workerId],
          ['Status', 'rollback'],
        ],
        RequestIdOnly,
        callOptions,
      );
    },
  };
  return client;
}

function apiError(action: string, status: number, text: string, retryAfter: string | null): CasApiError {
  const retryAfterMs =
    retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter.trim()) : undefined;
  let parsed: ReturnType<typeof CasErrorResponse.safeParse> | undefined;
  try {
    parsed = CasErrorResponse.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (parsed?.success) {
    const b = parsed.data;
    return new CasApiError(
      action,
      status,
      { code: b.Code, message: b.Message, requestId: b.RequestId, hostId: b.HostId, recommend: b.Recommend },
      retryAfterMs,
    );
  }
  // Not CAS's error shape (a proxy or load balancer answered): classify by status alone.
  const code = status === 429 ? 'Throttling.Proxy' : status >= 500 ? 'ServiceUnavailable' : `Http.${status}`;
  return new CasApiError(
    action,
    status,
    {
      code,
      message: `HTTP ${status} without a CAS error body`,
      requestId: undefined,
      hostId: undefined,
      recommend: undefined,
    },
    retryAfterMs,
  );
}
