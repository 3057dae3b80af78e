import type { CasClient } from '../cas/client.ts';
import type { GetInstanceDetailResponse } from '../cas/instance-schemas.ts';
import { isAppError } from '../errors.ts';

/** `/cert status <instanceId>`: a V2 subscription instance's live state (GetInstanceDetail). */
export interface InstanceStatus {
  instanceId: string;
  cas: { ok: true; detail: GetInstanceDetailResponse } | { ok: false; message: string };
}

/** Asks CAS for the instance now; a CAS error is returned as its message, for the person who asked. */
export async function instanceStatus(deps: { cas: CasClient }, instanceId: string): Promise<InstanceStatus> {
  const cas = await deps.cas.getInstanceDetail(instanceId).then(
    (detail) => ({ ok: true as const, detail }),
    (err: unknown) => ({ ok: false as const, message: isAppError(err) ? err.message : 'unexpected error' }),
  );
  return { instanceId, cas };
}
