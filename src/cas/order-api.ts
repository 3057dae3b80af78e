import type { CasCaller, Query } from './call.ts';
import { maxPageSize, readById } from './call.ts';
import type { CallOptions } from './client-options.ts';
import { assertOrderId } from './ids.ts';
import {
  type CertificateOrder,
  type CertificateState,
  DescribeCertificateStateResponse,
  DescribePackageStateResponse,
  ListUserCertificateOrderResponse,
  RenewResponse,
} from './order-schemas.ts';

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

/** The order calls of CAS: renewing a plan order, following it, listing orders, the plan's quota. */
export interface CasOrderApi {
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
}

/** The order calls, made through the shared request machinery. */
export function createCasOrderApi(caller: CasCaller): CasOrderApi {
  const api: CasOrderApi = {
    async renewCertificateOrderForPackageRequest(input, callOptions = {}) {
      assertOrderId(input.orderId);
      const query: Query = [['OrderId', input.orderId]];
      if (input.csr !== undefined) query.push(['Csr', input.csr]);
      const r = await caller.once(
        'RenewCertificateOrderForPackageRequest',
        query,
        RenewResponse,
        callOptions,
      );
      return { newOrderId: r.OrderId, requestId: r.RequestId };
    },
    describeCertificateState: readById(
      caller,
      'DescribeCertificateState',
      ['OrderId', assertOrderId],
      DescribeCertificateStateResponse,
    ),
    async listUserCertificateOrder(filter, callOptions = {}) {
      const query: Query = [
        ['OrderType', filter.orderType ?? 'CPACK'],
        ['CurrentPage', String(filter.currentPage ?? 1)],
        ['ShowSize', String(Math.min(filter.showSize ?? maxPageSize, maxPageSize))],
      ];
      if (filter.status !== undefined) query.push(['Status', filter.status]);
      if (filter.keyword !== undefined) query.push(['Keyword', filter.keyword]);
      if (filter.resourceGroupId !== undefined) query.push(['ResourceGroupId', filter.resourceGroupId]);
      return caller.read('ListUserCertificateOrder', query, ListUserCertificateOrderResponse, callOptions);
    },
    async *listAllUserCertificateOrders(filter = {}, callOptions = {}) {
      let seen = 0;
      for (let page = 1; ; page++) {
        const result = await api.listUserCertificateOrder({ ...filter, currentPage: page }, callOptions);
        for (const order of result.CertificateOrderList) yield order;
        seen += result.CertificateOrderList.length;
        if (result.CertificateOrderList.length === 0 || seen >= result.TotalCount) return;
      }
    },
    async describePackageState(productCode, callOptions = {}) {
      const query: Query = productCode === undefined ? [] : [['ProductCode', productCode]];
      const r = await caller.read('DescribePackageState', query, DescribePackageStateResponse, callOptions);
      return {
        productCode: r.ProductCode,
        totalCount: r.TotalCount,
        usedCount: r.UsedCount,
        remaining: Math.max(0, r.TotalCount - r.UsedCount),
        requestId: r.RequestId,
      };
    },
  };
  return api;
}
