import { isAppError } from '../errors.ts';
import { escapeMrkdwn } from '../slack/mrkdwn.ts';
import type { CasClient } from './client.ts';
import { CasApiError } from './errors.ts';
import type { RenewableOrderIndex } from './renewable-orders.ts';
import type { CertificateOrder } from './schemas.ts';

/** What CAS says about renewing an order now. */
export type OrderLookup =
  | { kind: 'renewable'; order: CertificateOrder; quotaRemaining: number | undefined }
  | { kind: 'not_renewable'; reason: string }
  | { kind: 'unavailable'; reason: string };

const permissionCodes =
  /^(Forbidden|NoPermission|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidSecurityToken)/;

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
    return {
      kind: 'not_renewable',
      reason: `CAS only renews plan (CPACK) orders that are about to expire, and order \`${orderId}\` is not one of them (its certificate state is \`${shown}\`). Check the order in the CAS console.`,
    };
  } catch (err) {
    if (err instanceof CasApiError && err.casCode === 'NotFound') {
      return {
        kind: 'not_renewable',
        reason: `CAS has no order \`${orderId}\` for this account. Check the ID in the CAS console.`,
      };
    }
    if (err instanceof CasApiError && permissionCodes.test(err.casCode)) {
      return {
        kind: 'not_renewable',
        reason: `The bot's Alibaba Cloud key may not read this order (CAS said ${escapeMrkdwn(err.casCode)}: ${escapeMrkdwn(err.casMessage)}). An operator must grant it the yundun-cert permissions listed in the README.`,
      };
    }
    const message = isAppError(err) ? err.message : 'unexpected error';
    return {
      kind: 'unavailable',
      reason: `Could not check the order in CAS (${escapeMrkdwn(message)}). Try again in a few minutes.`,
    };
  }
}
