import type { DeployResult } from '../../src/renewals/deployment.ts';
import { RenewalRecord } from '../../src/renewals/record.ts';

/** A request past its deployment with these resource outcomes (`verified` unless `extra` says otherwise). */
export function deployRecord(results: DeployResult[], extra: Record<string, string> = {}): RenewalRecord {
  return RenewalRecord.parse({
    id: 'r1',
    orderId: '123',
    state: 'verified',
    version: '9',
    channelId: 'C0CERTS',
    requestedBy: 'U0REQUESTER',
    requestedAt: '1',
    expiresAt: '2',
    deployResources: JSON.stringify(
      results.map(({ resourceId, product, domain }) => ({ resourceId, product, domain })),
    ),
    deployResults: JSON.stringify(results),
    ...extra,
  });
}
