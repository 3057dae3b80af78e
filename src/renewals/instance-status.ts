import type { CasClient } from '../cas/client.ts';
import type { GetInstanceDetailResponse } from '../cas/instance-schemas.ts';
import { isAppError } from '../errors.ts';
import type { DeploymentRecord } from './deployment-record.ts';
import type { RenewalRecord } from './record.ts';
import { latestRequest } from './status-report.ts';
import type { RenewalStore } from './store.ts';

/** `/cert status <instanceId>`: a V2 subscription's latest rotation request and its live state (GetInstanceDetail). */
export interface InstanceStatus {
  instanceId: string;
  /** The latest rotation request of the subscription (open or ended), if there was one. */
  record: RenewalRecord | undefined;
  /** That request's deployment, once issued with somewhere to deploy to. */
  deployment: DeploymentRecord | undefined;
  cas: { ok: true; detail: GetInstanceDetailResponse } | { ok: false; message: string };
}

/** Reads the latest rotation request and asks CAS for the instance now; a CAS error is returned as its message. */
export async function instanceStatus(
  deps: { store: RenewalStore; cas: CasClient; account?: string | undefined },
  instanceId: string,
): Promise<InstanceStatus> {
  // A rotation is kept under its instance ID, as a renewal under its order ID (digits only): the same pointer.
  const rotation = await latestRequest(deps.store, instanceId, deps.account);
  const cas = await deps.cas.getInstanceDetail(instanceId).then(
    (detail) => ({ ok: true as const, detail }),
    (err: unknown) => ({ ok: false as const, message: isAppError(err) ? err.message : 'unexpected error' }),
  );
  return { instanceId, ...rotation, cas };
}
