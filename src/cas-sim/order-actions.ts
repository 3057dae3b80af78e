import type { SimActionTable } from './actions.ts';
import type { SimOrder } from './order-book.ts';
import type { OrderStore } from './orders.ts';
import { paging, requireOrderId } from './params.ts';
import { isParsableCsr } from './sim-ca.ts';
import { SimError } from './sim-error.ts';

/** One `CertificateOrderList` item of ListUserCertificateOrder. */
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

/** The V1 plan-order actions: list orders, renew one, describe an order's state, describe a plan's quota. */
export function createOrderActions(store: OrderStore, maxShowSize: number): SimActionTable {
  return {
    RenewCertificateOrderForPackageRequest(params) {
      const orderId = requireOrderId(params);
      if (params.Csr !== undefined && !isParsableCsr(params.Csr)) {
        throw new SimError(
          400,
          'InvalidParameter.Csr',
          'The specified CSR is not a valid PKCS#10 certificate request.',
        );
      }
      return { OrderId: store.renew(orderId, params.Csr).orderId };
    },
    DescribeCertificateState: (params) => store.describe(requireOrderId(params)),
    ListUserCertificateOrder(params) {
      const { page, size } = paging(params, maxShowSize);
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
    },
    DescribePackageState(params) {
      const code = params.ProductCode ?? 'digicert-free-1-free';
      const p = store.packageState(code);
      return {
        ProductCode: code,
        TotalCount: p.totalCount,
        UsedCount: p.usedCount,
        IssuedCount: p.usedCount,
      };
    },
  };
}
