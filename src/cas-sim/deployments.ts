import { z } from 'zod';
import { cloudProducts } from '../cas/cloud-products.ts';
import { SimError } from './sim-error.ts';

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

/** The simulator's cloud resources and deployment jobs (ListCloudResources … UpdateWorkerResourceStatus). */
export function createDeploymentStore(deps: {
  now: () => number;
  /** Whether a certificate ID exists. */
  certificateExists: (certId: string) => boolean;
  /** The domain names a certificate covers (`CertDomain` of a worker). */
  certificateDomain: (certId: string) => string | undefined;
  contactExists: (contactId: string) => boolean;
  behaviour: DeployBehaviour;
}) {
  const resources = new Map<string, SimResource>();
  const jobs = new Map<string, SimJob>();
  let nextJob = 7_000_000n;
  let nextWorker = 9_100_000n;

  const mustJob = (jobId: string | undefined): SimJob => {
    const job = jobs.get(jobId ?? '');
    if (!job) throw new SimError(404, 'NotFound', 'The deployment job does not exist.');
    return job;
  };

  /** One look at a job moves it one step on (as CAS's scheduler would between two looks). */
  function advance(job: SimJob): void {
    switch (job.status) {
      case 'pending':
        job.status = 'scheduling';
        return;
      case 'scheduling':
        job.status = 'processing';
        job.startedAt = deps.now();
        for (const w of job.workers) w.status = 'processing';
        return;
      case 'processing':
        for (const w of job.workers) {
          const resource = resources.get(w.resourceId);
          if (resource?.fail) {
            w.status = 'error';
          } else {
            w.status = 'success';
            if (resource) resource.certId = w.certId;
          }
        }
        job.status = job.workers.some((w) => w.status === 'error') ? 'error' : 'success';
        job.endedAt = deps.now();
        return;
      default:
        return;
    }
  }

  function advanceRollbacks(job: SimJob): void {
    for (const w of job.workers) {
      if (w.status !== 'rollback') continue;
      const resource = resources.get(w.resourceId);
      if (resource?.rollbackFails) {
        resource.rollbackFails -= 1;
        w.status = 'rollback_error';
        continue;
      }
      if (resource) resource.certId = w.resourceCertId;
      w.status = 'rollback_success';
    }
  }

  // The fields of Alibaba's ListWorkerResource model: no Domain, no error code or message.
  const worker = (w: SimWorker, job: SimJob) => {
    const r = resources.get(w.resourceId);
    const listener = r?.listenerPort !== undefined;
    return {
      Id: w.id,
      JobId: job.id,
      ResourceId: w.resourceId,
      CertId: w.certId,
      ResourceCertId: w.resourceCertId ?? null,
      CloudProduct: r?.cloudProduct ?? null,
      ResourceDomain: r?.domain ?? null,
      CertDomain: deps.certificateDomain(w.certId) ?? null,
      // Port only for SLB, NLB, ALB and GA listeners, as the model says.
      ...(listener ? { Port: r?.listenerPort } : {}),
      RegionId: r?.regionId ?? null,
      Status: w.status,
      GmtCreate: String(job.createdAt),
    };
  };

  return {
    resources,
    jobs,
    addResource(resource: SimResource): void {
      resources.set(resource.id, resource);
    },

    listCloudResources(params: Record<string, string>) {
      if ((params.CloudName ?? 'aliyun') !== 'aliyun')
        throw new SimError(400, 'InvalidParameter.CloudName', 'Only aliyun resources are listed here.');
      const product = params.CloudProduct;
      if (product === undefined && deps.behaviour.cloudProductRequired)
        throw new SimError(400, 'MissingCloudProduct', 'CloudProduct is mandatory for this action.');
      if (product !== undefined && !(cloudProducts as readonly string[]).includes(product))
        throw new SimError(
          400,
          'InvalidParameter.CloudProduct',
          `CloudProduct ${product ?? ''} is not supported.`,
        );
      let certIds: string[] | undefined;
      if (params.CertIds !== undefined) {
        try {
          certIds = (JSON.parse(params.CertIds) as unknown[]).map(String);
        } catch {
          throw new SimError(
            400,
            'InvalidParameter.CertIds',
            'CertIds must be a JSON array of certificate IDs.',
          );
        }
      }
      return [...resources.values()].filter(
        (r) =>
          (product === undefined || r.cloudProduct === product) &&
          (certIds === undefined || (r.certId !== undefined && certIds.includes(r.certId))) &&
          (params.Keyword === undefined || r.domain.includes(params.Keyword)),
      );
    },

    resourceItem(r: SimResource) {
      return {
        Id: r.id,
        CloudName: 'aliyun',
        CloudProduct: r.cloudProduct,
        Domain: r.domain,
        RegionId: r.regionId,
        ListenerPort: r.listenerPort ?? null,
        CertId: r.certId ?? null,
        EnableHttps: 1,
        Status: 'online',
      };
    },

    create(params: Record<string, string>): SimJob {
      const split = (v: string | undefined) =>
        (v ?? '')
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x !== '');
      if (!params.Name) throw new SimError(400, 'MissingName', 'Name is mandatory for this action.');
      const jobType = params.JobType ?? '';
      if (jobType !== 'user' && jobType !== 'cloud')
        throw new SimError(400, 'InvalidParameter.JobType', 'JobType must be user or cloud.');
      const certIds = split(params.CertIds);
      const resourceIds = split(params.ResourceIds);
      const contactIds = split(params.ContactIds);
      if (certIds.length === 0 || resourceIds.length === 0 || contactIds.length === 0)
        throw new SimError(400, 'InvalidParameter', 'CertIds, ResourceIds and ContactIds are required.');
      for (const c of certIds)
        if (!deps.certificateExists(c))
          throw new SimError(400, 'InvalidParameter.CertId', `Certificate ${c} does not exist.`);
      for (const r of resourceIds)
        if (!resources.has(r))
          throw new SimError(400, 'InvalidParameter.ResourceId', `Resource ${r} does not exist.`);
      for (const c of contactIds)
        if (!deps.contactExists(c))
          throw new SimError(400, 'InvalidParameter.ContactId', `Contact ${c} does not exist.`);
      const job: SimJob = {
        id: String(nextJob++),
        name: params.Name,
        jobType,
        status: 'editing',
        certIds,
        createdAt: deps.now(),
        startedAt: undefined,
        endedAt: undefined,
        workers: resourceIds.map((resourceId) => ({
          id: String(nextWorker++),
          resourceId,
          certId: certIds[0] as string,
          resourceCertId: resources.get(resourceId)?.certId,
          status: 'editing',
        })),
        deleted: false,
      };
      jobs.set(job.id, job);
      return job;
    },

    updateStatus(jobId: string | undefined, status: string | undefined): void {
      const job = mustJob(jobId);
      if (job.status === 'success' || job.status === 'error')
        throw new SimError(400, 'InvalidStatus.Job', `The job is ${job.status}; its status cannot change.`);
      if (status === 'pending' || status === 'scheduling') {
        if (job.status === 'editing') {
          job.status = status;
          for (const w of job.workers) w.status = 'pending';
        }
      } else if (status === 'editing') {
        if (job.status !== 'pending')
          throw new SimError(400, 'InvalidStatus.Job', `The job is ${job.status}.`);
        job.status = 'editing';
      } else {
        throw new SimError(400, 'InvalidParameter.Status', 'Status must be pending, scheduling or editing.');
      }
    },

    describe(jobId: string | undefined) {
      const job = mustJob(jobId);
      const shown = job.status;
      advance(job);
      return {
        Id: job.id,
        Name: job.name,
        JobType: job.jobType,
        Status: shown,
        GmtCreate: String(job.createdAt),
        StartTime: job.startedAt === undefined ? null : String(job.startedAt),
        EndTime: job.endedAt === undefined ? null : String(job.endedAt),
        Rollback: job.workers.some((w) => w.status.startsWith('rollback')) ? 1 : 0,
      };
    },

    /** ListDeploymentJob: JobType and Status filters only (its model has no name filter); newest first. */
    list(params: Record<string, string>) {
      if (params.Keyword !== undefined && deps.behaviour.listJobKeyword === 'refuse')
        throw new SimError(400, 'InvalidParameter', 'The parameter Keyword is not supported.');
      return [...jobs.values()]
        .filter(
          (j) =>
            (params.JobType === undefined || j.jobType === params.JobType) &&
            (params.Status === undefined || j.status === params.Status),
        )
        .reverse()
        .map((j) => ({
          Id: j.id,
          Name: j.name,
          Status: j.status,
          JobType: j.jobType,
          GmtCreate: String(j.createdAt),
          Del: j.deleted ? 1 : 0,
        }));
    },

    /** DeleteDeploymentJob: the job stays listed, marked `Del=1`. */
    remove(jobId: string | undefined): void {
      mustJob(jobId).deleted = true;
    },

    workers(jobId: string | undefined) {
      const job = mustJob(jobId);
      const items = job.workers.map((w) => worker(w, job));
      advanceRollbacks(job);
      return items;
    },

    rollback(jobId: string | undefined, workerId: string | undefined, status: string | undefined): void {
      const job = mustJob(jobId);
      if (status !== 'rollback')
        throw new SimError(400, 'InvalidParameter.Status', 'Status must be rollback.');
      const w = job.workers.find((x) => x.id === workerId);
      if (!w) throw new SimError(404, 'NotFound', 'The worker does not exist.');
      const again = w.status === 'rollback_error' && deps.behaviour.rollbackAgain === 'allow';
      if (w.status !== 'success' && w.status !== 'error' && !again)
        throw new SimError(
          400,
          'InvalidStatus.Worker',
          `The resource is ${w.status}; only a finished one can be rolled back.`,
        );
      w.status = 'rollback';
    },
  };
}
