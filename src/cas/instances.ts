import type { CasClient } from './client.ts';

/**
 * The certificate instance of a plan order pending application: `ListUserCertificateOrder` (CPACK, PAYED) rows
 * carry `InstanceId`. By domain first (the documented way); then among every pending order, for listings that
 * show a new order without its domain. Undefined when the order is not listed as pending.
 */
export async function findPendingInstance(
  cas: CasClient,
  orderId: string,
  domain: string | undefined,
  options: { signal?: AbortSignal } = {},
): Promise<{ instanceId: string; domain: string | undefined } | undefined> {
  const searches = domain ? [domain, undefined] : [undefined];
  for (const keyword of searches) {
    for await (const order of cas.listAllUserCertificateOrders(
      { orderType: 'CPACK', status: 'PAYED', ...(keyword ? { keyword } : {}) },
      options,
    )) {
      if (order.OrderId === orderId && order.InstanceId)
        return { instanceId: order.InstanceId, domain: order.Domain };
    }
  }
  return undefined;
}
