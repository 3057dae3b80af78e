import { z } from 'zod';
import { cloudProducts } from '../cas/cloud-products.ts';

/** A cloud resource as seeded: it serves the current certificate of `servesOrder` (or `certId`). */
export const SeedResource = z.object({
  id: z.union([z.string().regex(/^[0-9]{1,19}$/), z.number().int().nonnegative()]).transform(String),
  cloudProduct: z.enum(cloudProducts).default('CDN'),
  domain: z.string().min(1),
  regionId: z.string().default('cn-hangzhou'),
  listenerPort: z.number().int().optional(),
  /** The order whose certificate it serves. */
  servesOrder: z.union([z.string(), z.number()]).transform(String).optional(),
  /** Or a certificate ID directly. */
  certId: z.string().optional(),
  /** Deploying to it fails (the worker ends `error`); CAS's API never tells why: only the console does. */
  fail: z.object({ code: z.string(), message: z.string() }).optional(),
  /** How many rollbacks of it end `rollback_error` (CAS could not put the previous certificate back) first. */
  rollbackFails: z.number().int().nonnegative().optional(),
});
export type SeedResource = z.input<typeof SeedResource>;

/** Answers to what the documentation leaves open about the deployment API: the simulator can do either. */
export const DeployBehaviour = z.object({
  /**
   * Whether ListCloudResources refuses a call without `CloudProduct` (`MissingCloudProduct`). Alibaba's model
   * makes it optional, so the default is one listing for every product.
   */
  cloudProductRequired: z.boolean().default(false),
  /**
   * What ListDeploymentJob does with a `Keyword` (a parameter its model does not have): `ignore` it, as RPC
   * APIs do with unknown parameters, or `refuse` it (`InvalidParameter`).
   */
  listJobKeyword: z.enum(['ignore', 'refuse']).default('ignore'),
  /**
   * Whether UpdateWorkerResourceStatus rolls back a resource whose rollback ended `rollback_error` (`allow`) or
   * refuses it like any unfinished one (`refuse`, `InvalidStatus.Worker`): the documentation does not say.
   */
  rollbackAgain: z.enum(['allow', 'refuse']).default('allow'),
});
export type DeployBehaviour = z.output<typeof DeployBehaviour>;

/** A resource inside the simulator. */
export interface SimResource {
  id: string;
  cloudProduct: string;
  domain: string;
  regionId: string;
  listenerPort: number | undefined;
  certId: string | undefined;
  fail: { code: string; message: string } | undefined;
  /** Rollbacks still to end `rollback_error`. */
  rollbackFails: number | undefined;
}

type WorkerStatus =
  | 'editing'
  | 'pending'
  | 'processing'
  | 'success'
  | 'error'
  | 'rollback'
  | 'rollback_success'
  | 'rollback_error';

/** One resource of a job. */
export interface SimWorker {
  id: string;
  resourceId: string;
  certId: string;
  /** What the resource served before the job. */
  resourceCertId: string | undefined;
  status: WorkerStatus;
}

/** A deployment job: `editing` until started, then pending → scheduling → processing → success | error. */
export interface SimJob {
  id: string;
  name: string;
  jobType: string;
  status: 'editing' | 'pending' | 'scheduling' | 'processing' | 'success' | 'error';
  certIds: string[];
  createdAt: number;
  startedAt: number | undefined;
  endedAt: number | undefined;
  workers: SimWorker[];
  /** Deleted (DeleteDeploymentJob): still listed, with `Del=1`. */
  deleted: boolean;
}
