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

/**
 * The latest request kept under `id` (an order ID, or a rotation's instance ID) and its deployment, if issued.
 * With `account` (an accounts file), only a request of that account: another team's request is not shown.
 */
export async function latestRequest(
  store: RenewalStore,
  id: string,
  account?: string | undefined,
): Promise<{ record: RenewalRecord | undefined; deployment: DeploymentRecord | undefined }> {
  const latest = await store.findLatest(id);
  const record = account === undefined || latest?.account === account ? latest : undefined;
  const deployment = record && isRenewed(record) ? await store.deployments.get(record.id) : undefined;
  return { record, deployment };
}

/** Reads the latest request for the order and asks CAS for the live state. */
export async function orderStatus(
  deps: { store: RenewalStore; cas: CasClient; account?: string | undefined },
  orderId: string,
): Promise<OrderStatus> {
  const { record, deployment } = await latestRequest(deps.store, orderId, deps.account);
  const target = record?.newOrderId ?? orderId;
  const cas = await deps.cas.describeCertificateState(target).then(
    (state) => ({ ok: true as const, state }),
    (err: unknown) => ({ ok: false as const, message: isAppError(err) ? err.message : 'unexpected error' }),
  );
  return { orderId, record, deployment, target, cas };
}
