import { createCasCaller } from './call.ts';
import type { CasClientOptions } from './client-options.ts';
import { type CasDeploymentApi, createCasDeploymentApi } from './deployment-api.ts';
import { type CasInstanceApi, createCasInstanceApi } from './instance-api.ts';
import { type CasOrderApi, createCasOrderApi } from './order-api.ts';
import { type CasSubscriptionApi, createCasSubscriptionApi } from './subscription-api.ts';

export { casApiVersion, maxPageSize } from './call.ts';
export type { CallOptions, CasClientOptions } from './client-options.ts';
export type { InstanceApplication } from './instance-api.ts';
export type { ListOrdersFilter } from './order-api.ts';
export type { ListCertificatesFilter, ListInstancesFilter } from './subscription-api.ts';

/**
 * The CAS operations the bot uses, one object over four API families: orders (order-api.ts), instances and
 * their application (instance-api.ts), V2.0 subscriptions (subscription-api.ts), deployment (deployment-api.ts).
 * Order IDs are exact decimal strings.
 */
export interface CasClient extends CasOrderApi, CasInstanceApi, CasSubscriptionApi, CasDeploymentApi {}

/**
 * Creates a signed CAS (2020-04-07) client. Every family calls through one request machinery (call.ts: signing,
 * transport, retries of reads, paging, pacing, int64-exact parsing, error mapping).
 */
export function createCasClient(options: CasClientOptions): CasClient {
  const caller = createCasCaller(options);
  return {
    ...createCasOrderApi(caller),
    ...createCasInstanceApi(caller),
    ...createCasSubscriptionApi(caller),
    ...createCasDeploymentApi(caller),
  };
}
