import type { DeployResult } from '../../src/renewals/deployment.ts';
import { DeploymentRecord, deployStates } from '../../src/renewals/deployment-record.ts';
import { RenewalRecord } from '../../src/renewals/record.ts';

/**
 * An issued request and its deployment past the job with these resource outcomes (`verified` unless `extra` says
 * otherwise). `extra` holds fields of either record: each goes where its schema has it (`state`: a deployment's
 * state to the deployment, a request's to the request).
 */
export function deployRecord(
  results: DeployResult[],
  extra: Record<string, string> = {},
): { request: RenewalRecord; deployment: DeploymentRecord } {
  const toDeployment = (k: string, v: string) =>
    k === 'state' ? (deployStates as readonly string[]).includes(v) : k in DeploymentRecord.shape;
  const pick = (deployment: boolean) =>
    Object.fromEntries(
      Object.entries(extra).filter(([k, v]) => toDeployment(k, v) === deployment || k === 'domain'),
    );
  const request = RenewalRecord.parse({
    id: 'r1',
    orderId: '123',
    state: 'issued',
    version: '7',
    channelId: 'C0CERTS',
    requestedBy: 'U0REQUESTER',
    requestedAt: '1',
    expiresAt: '2',
    ...pick(false),
  });
  const deployment = DeploymentRecord.parse({
    requestId: 'r1',
    state: 'verified',
    version: '9',
    channelId: 'C0CERTS',
    oldCertId: '11',
    newCertId: '12',
    resources: JSON.stringify(
      results.map(({ resourceId, product, domain }) => ({ resourceId, product, domain })),
    ),
    results: JSON.stringify(results),
    ...pick(true),
  });
  return { request, deployment };
}
