import type { z } from 'zod';
import type { CasCaller, Query } from './call.ts';
import type { CallOptions } from './client-options.ts';
import { assertInstanceId } from './ids.ts';
import { RequestIdOnly } from './schema-fields.ts';
import {
  type CertificateRow,
  GetInstanceSummaryResponse,
  GetTaskAttributeResponse,
  type InstanceRow,
  ListCertificatesResponse,
  ListInstancesResponse,
} from './subscription-schemas.ts';

/** Rows per page of ListInstances and ListCertificates: their documented maximum (SDK request models). */
export const maxSubscriptionPageSize = 100;

/** Filters of ListInstances (SDK ListInstancesRequest). */
export interface ListInstancesFilter {
  /** Fuzzy match on domain, instance name or resource ID. */
  keyword?: string;
  /** `inactive`, `pending`, `willExpire`, `expired`, `refund`, `normal`, `closed`. */
  status?: string;
  /** `issued`, `revoked`, `willExpire`, `expired`. */
  certificateStatus?: string;
  instanceType?: 'BUY' | 'TEST';
  /** `DV`, `OV`, `EV`. */
  certificateType?: string;
  brand?: string;
  resourceGroupId?: string;
  /** Rows per page, 1-100. @defaultValue 100 */
  showSize?: number;
}

/** Filters of ListCertificates (SDK ListCertificatesRequest). */
export interface ListCertificatesFilter {
  instanceId?: string;
  certificateStatus?: string;
  /** `BUY`, `TEST`, `UPLOAD`. */
  certificateSource?: string;
  keyword?: string;
  resourceGroupId?: string;
  /** Rows per page, 1-100. @defaultValue 100 */
  showSize?: number;
}

/** The CAS V2.0 subscription calls (reference §10): list and summarise instances, follow and withdraw applications. */
export interface CasSubscriptionApi {
  /** One page of subscription instances. */
  listInstances(
    filter: ListInstancesFilter & { currentPage?: number },
    options?: CallOptions,
  ): Promise<ListInstancesResponse>;
  /** Every matching instance: pages until `TotalCount` rows are seen (a short page is not the last one). */
  listAllInstances(filter?: ListInstancesFilter, options?: CallOptions): Promise<InstanceRow[]>;
  /** One page of certificates (e.g. every certificate an instance issued). */
  listCertificates(
    filter: ListCertificatesFilter & { currentPage?: number },
    options?: CallOptions,
  ): Promise<ListCertificatesResponse>;
  /** Every matching certificate, paged like listAllInstances. */
  listAllCertificates(filter?: ListCertificatesFilter, options?: CallOptions): Promise<CertificateRow[]>;
  /** Instance counts and the quotas left (certificates, hosting). */
  getInstanceSummary(
    instanceType?: 'BUY' | 'TEST',
    options?: CallOptions,
  ): Promise<GetInstanceSummaryResponse>;
  /**
   * The result of an asynchronous task. ApplyCertificate returns no task ID (SDK ApplyCertificateResponseBody):
   * its task is named by the instance ID (`taskId` = InstanceId, `TaskType=ApplyCertificate`, reference §7.4).
   */
  getTaskAttribute(
    taskId: string,
    taskType?: string,
    options?: CallOptions,
  ): Promise<GetTaskAttributeResponse>;
  /** Withdraws an instance's application under review. Never retried here (once-only, like ApplyCertificate). */
  cancelPendingCertificate(instanceId: string, options?: CallOptions): Promise<{ requestId: string }>;
}

/** The query of `filter`: each set field under its request name, then the page. */
function filterQuery(
  fields: Record<string, string | number | undefined>,
  page: number,
  showSize?: number,
): Query {
  const query: Query = [];
  for (const [name, value] of Object.entries(fields))
    if (value !== undefined) query.push([name, String(value)]);
  const size = Math.max(1, Math.min(showSize ?? maxSubscriptionPageSize, maxSubscriptionPageSize));
  query.push(['CurrentPage', String(page)], ['ShowSize', String(size)]);
  return query;
}

/** Reads pages from 1 until `TotalCount` rows are seen or a page comes back empty. */
async function allPages<T>(readPage: (page: number) => Promise<{ rows: T[]; total: number | undefined }>) {
  const rows: T[] = [];
  for (let page = 1; ; page++) {
    const r = await readPage(page);
    rows.push(...r.rows);
    // A list may answer fewer rows than asked (reference §8): only the total or an empty page ends it.
    if (r.rows.length === 0 || (r.total !== undefined && rows.length >= r.total)) return rows;
  }
}

/** The V2.0 subscription calls, made through the shared request machinery. */
export function createCasSubscriptionApi(caller: CasCaller): CasSubscriptionApi {
  const read = <S extends z.ZodType>(action: string, query: Query, schema: S, options: CallOptions) =>
    caller.read(action, query, schema, options);
  const api: CasSubscriptionApi = {
    async listInstances(filter, callOptions = {}) {
      const { currentPage, showSize, ...f } = filter;
      const fields = {
        Keyword: f.keyword,
        Status: f.status,
        CertificateStatus: f.certificateStatus,
        InstanceType: f.instanceType,
        CertificateType: f.certificateType,
        Brand: f.brand,
        ResourceGroupId: f.resourceGroupId,
      };
      return read(
        'ListInstances',
        filterQuery(fields, currentPage ?? 1, showSize),
        ListInstancesResponse,
        callOptions,
      );
    },
    listAllInstances: (filter = {}, callOptions = {}) =>
      allPages(async (page) => {
        const r = await api.listInstances({ ...filter, currentPage: page }, callOptions);
        return { rows: r.InstanceList, total: r.TotalCount };
      }),
    async listCertificates(filter, callOptions = {}) {
      const { currentPage, showSize, ...f } = filter;
      if (f.instanceId !== undefined) assertInstanceId(f.instanceId);
      const fields = {
        InstanceId: f.instanceId,
        CertificateStatus: f.certificateStatus,
        CertificateSource: f.certificateSource,
        Keyword: f.keyword,
        ResourceGroupId: f.resourceGroupId,
      };
      const query = filterQuery(fields, currentPage ?? 1, showSize);
      return read('ListCertificates', query, ListCertificatesResponse, callOptions);
    },
    listAllCertificates: (filter = {}, callOptions = {}) =>
      allPages(async (page) => {
        const r = await api.listCertificates({ ...filter, currentPage: page }, callOptions);
        return { rows: r.CertificateList, total: r.TotalCount };
      }),
    async getInstanceSummary(instanceType, callOptions = {}) {
      const query: Query = instanceType === undefined ? [] : [['InstanceType', instanceType]];
      return read('GetInstanceSummary', query, GetInstanceSummaryResponse, callOptions);
    },
    async getTaskAttribute(taskId, taskType = 'ApplyCertificate', callOptions = {}) {
      assertInstanceId(taskId);
      const query: Query = [
        ['TaskId', taskId],
        ['TaskType', taskType],
      ];
      return read('GetTaskAttribute', query, GetTaskAttributeResponse, callOptions);
    },
    async cancelPendingCertificate(instanceId, callOptions = {}) {
      assertInstanceId(instanceId);
      const query: Query = [['InstanceId', instanceId]];
      const r = await caller.once('CancelPendingCertificate', query, RequestIdOnly, callOptions);
      return { requestId: r.RequestId };
    },
  };
  return api;
}
