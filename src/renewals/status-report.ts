import type { CasClient } from '../cas/client.ts';
import type { CertificateState } from '../cas/order-schemas.ts';
import { isAppError } from '../errors.ts';
import type { DeploymentRecord } from './deployment-record.ts';
import type { RenewalRecord } from './record.ts';
import { isRenewed } from './renewal-states.ts';
import type { RenewalStore } from './store.ts';

/** `/cert status`: the latest request of an order and what CAS says now (of its new order, once there is one). */
export interface OrderStatus {
  orderId: string;
  record: RenewalRecord | undefined;
  /** The request's deployment, once issued with somewhere to deploy to. */
  deployment: DeploymentRecord | undefined;
  /** The order CAS was asked about. */
  target: string;
  cas: { ok: true; state: CertificateState } | { ok: false; message: string };
}

/** Reads the latest request for the order and asks CAS for the live state. */
export async function orderStatus(
  deps: { store: RenewalStore; cas: CasClient },
  orderId: string,
): Promise<OrderStatus> {
  const record = await deps.store.findLatest(orderId);
  const target = record?.newOrderId ?? orderId;
  const deployment = record && isRenewed(record) ? await deps.store.deployments.get(record.id) : undefined;
  const cas = await deps.cas.describeCertificateState(target).then(
    (state) => ({ ok: true as const, state }),
    (err: unknown) => ({ ok: false as const, message: isAppError(err) ? err.message : 'unexpected error' }),
  );
  return { orderId, record, deployment, target, cas };
}
