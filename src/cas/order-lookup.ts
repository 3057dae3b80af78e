import { isAppError } from '../errors.ts';
import type { CasClient } from './client.ts';
import { casReason, isPermissionRefusal } from './errors.ts';
import type { CertificateOrder } from './order-schemas.ts';
import type { RenewableOrderIndex } from './renewable-orders.ts';

/** What CAS says about renewing an order now. */
export type OrderLookup =
  | { kind: 'renewable'; order: CertificateOrder; quotaRemaining: number | undefined }
  | { kind: 'not_renewable'; problem: LookupProblem }
  | { kind: 'unavailable'; problem: LookupProblem };

/** Why CAS will not renew an order now, or could not be asked (raw CAS values; escaped where rendered). */
export type LookupProblem =
  /** Not among the plan orders CAS lists as about to expire; `state` is its certificate state. */
  | { code: 'not_expiring'; orderId: string; state: string }
  | { code: 'not_found'; orderId: string }
  | { code: 'no_permission'; casCode: string; casMessage: string }
  | { code: 'unavailable'; message: string };

/**
 * Finds an order among the CPACK orders CAS lists as about to expire (the only ones it renews), with the plan's
 * remaining quota; otherwise explains, from DescribeCertificateState, why it cannot be renewed.
 */
export async function lookupOrderForRenewal(
  cas: CasClient,
  index: RenewableOrderIndex,
  orderId: string,
): Promise<OrderLookup> {
  const ticket = index.ticket();
  const renewable = async (order: CertificateOrder): Promise<OrderLookup> => ({
    kind: 'renewable',
    order,
    quotaRemaining: order.ProductCode ? await index.quotaRemaining(order.ProductCode) : undefined,
  });
  try {
    const cached = await index.find(orderId);
    if (cached) return await renewable(cached);
    // A miss in a snapshot taken before the question may be an order that started expiring since. A typo must
    // not cost a whole scan: CAS first says whether the order exists (NotFound ends it below).
    const state = await cas.describeCertificateState(orderId);
    const fresh = await index.findFresh(orderId, ticket);
    if (fresh) return await renewable(fresh);
    const shown = state.type === 'other' ? state.rawType : state.type;
    return { kind: 'not_renewable', problem: { code: 'not_expiring', orderId, state: shown } };
  } catch (err) {
    if (casReason(err) === 'not_found')
      return { kind: 'not_renewable', problem: { code: 'not_found', orderId } };
    if (isPermissionRefusal(err)) {
      return {
        kind: 'not_renewable',
        problem: { code: 'no_permission', casCode: err.casCode, casMessage: err.casMessage },
      };
    }
    return {
      kind: 'unavailable',
      problem: { code: 'unavailable', message: isAppError(err) ? err.message : 'unexpected error' },
    };
  }
}
