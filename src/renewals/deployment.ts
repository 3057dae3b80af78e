import { canDeploy } from './deploy-transitions.ts';
import type { DeployState } from './deployment-record.ts';

/** A cloud resource that serves the old certificate: where the new one is proposed to go. */
export interface DeployResource {
  resourceId: string;
  product: string;
  domain?: string | undefined;
  region?: string | undefined;
  listenerPort?: string | undefined;
}

/**
 * One resource's outcome in the deployment job (ListWorkerResource). CAS gives no reason for a failure here: it is
 * only in the console's job, which is where the thread sends people.
 */
export interface DeployResult extends DeployResource {
  workerId: string;
  /** success, error, rollback, rollback_success, rollback_error, … */
  status: string;
  /** The domain names of the certificate deployed (`CertDomain`). */
  certDomain?: string | undefined;
}

/** What a TLS endpoint served when checked. */
export interface TlsResult {
  domain: string;
  /** Dialled as (host:port), after CERT_TLS_RESOLVE. */
  address: string;
  outcome: 'new' | 'old' | 'other' | 'unreachable';
  /** SHA-256 fingerprint of the served leaf, when one was served. */
  sha256?: string | undefined;
  /** Why it could not be checked (network error, no host name to dial), when unreachable. */
  error?: string | undefined;
  /** The deployed resources this endpoint stands for (their ResourceIds). */
  resourceIds?: string[] | undefined;
}

export { allServingNew } from './move-guards.ts';

/**
 * Whether a person may roll this resource back: the job is over (`deployed` or `verified`), and the resource
 * failed (`error`, `rollback_error`: again), or it was deployed but the TLS check found one of its endpoints not
 * serving the new certificate.
 */
export function canRollBack(
  record: { state: DeployState; tlsResults?: readonly TlsResult[] | undefined },
  result: DeployResult,
): boolean {
  if (!canDeploy(record, 'rollback_requested')) return false;
  if (result.status === 'error' || result.status === 'rollback_error') return true;
  return (
    result.status === 'success' &&
    (record.tlsResults ?? []).some((t) => t.outcome !== 'new' && t.resourceIds?.includes(result.resourceId))
  );
}

/** Whether the TLS check may be run again from the thread: it ran, and did not find the new certificate everywhere. */
export function canRecheckTls(record: {
  state: DeployState;
  tlsResults?: readonly TlsResult[] | undefined;
}): boolean {
  return canDeploy(record, 'tls_recheck');
}

/** The name of a request's CAS deployment job: it carries the request ID, so a crash after creating it finds it. */
export const deploymentJobName = (recordId: string) => `certbot-${recordId}`;
