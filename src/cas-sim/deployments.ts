import { listCloudResources, resourceItem } from './cloud-resources.ts';
import {
  advanceJob,
  advanceRollbacks,
  jobDetail,
  listJobs,
  newJob,
  parseJobRequest,
  rollbackWorker,
  updateJobStatus,
  workerItem,
} from './deployment-jobs.ts';
import type { DeployBehaviour, SimJob, SimResource } from './deployment-model.ts';
import type { SimParams } from './params.ts';
import { SimError } from './sim-error.ts';

/** What the deployment store asks the rest of the simulator. */
export interface DeploymentStoreDeps {
  now: () => number;
  /** Whether a certificate ID exists. */
  certificateExists: (certId: string) => boolean;
  /** The domain names a certificate covers (`CertDomain` of a worker). */
  certificateDomain: (certId: string) => string | undefined;
  contactExists: (contactId: string) => boolean;
  behaviour: DeployBehaviour;
}

/** The simulator's cloud resources and deployment jobs (ListCloudResources … UpdateWorkerResourceStatus). */
export function createDeploymentStore(deps: DeploymentStoreDeps) {
  const resources = new Map<string, SimResource>();
  const jobs = new Map<string, SimJob>();
  let nextJob = 7_000_000n;
  let nextWorker = 9_100_000n;

  const mustJob = (jobId: string | undefined): SimJob => {
    const job = jobs.get(jobId ?? '');
    if (!job) throw new SimError(404, 'NotFound', 'The deployment job does not exist.');
    return job;
  };
  return {
    resources,
    jobs,
    addResource(resource: SimResource): void {
      resources.set(resource.id, resource);
    },
    listCloudResources: (params: SimParams) => listCloudResources(resources, params, deps.behaviour),
    resourceItem,
    create(params: SimParams): SimJob {
      const resource = (id: string) => resources.has(id);
      const request = parseJobRequest(params, {
        certificate: deps.certificateExists,
        resource,
        contact: deps.contactExists,
      });
      const job = newJob({ ...request, id: String(nextJob++), createdAt: deps.now() }, (resourceId) => ({
        id: String(nextWorker++),
        resourceCertId: resources.get(resourceId)?.certId,
      }));
      jobs.set(job.id, job);
      return job;
    },
    updateStatus: (jobId: string | undefined, status: string | undefined) =>
      updateJobStatus(mustJob(jobId), status),
    describe(jobId: string | undefined) {
      const job = mustJob(jobId);
      const shown = job.status;
      advanceJob(job, resources, deps.now());
      return { ...jobDetail(job), Status: shown };
    },
    /** ListDeploymentJob: JobType and Status filters only (its model has no name filter); newest first. */
    list: (params: SimParams) => listJobs(jobs, params, deps.behaviour),
    /** DeleteDeploymentJob: the job stays listed, marked `Del=1`. */
    remove(jobId: string | undefined): void {
      mustJob(jobId).deleted = true;
    },
    workers(jobId: string | undefined) {
      const job = mustJob(jobId);
      const items = job.workers.map((w) =>
        workerItem(w, job, resources.get(w.resourceId), deps.certificateDomain(w.certId)),
      );
      advanceRollbacks(job, resources);
      return items;
    },
    rollback: (jobId: string | undefined, workerId: string | undefined, status: string | undefined) =>
      rollbackWorker(mustJob(jobId), workerId, status, deps.behaviour),
  };
}

/** The deployment store's interface. */
export type DeploymentStore = ReturnType<typeof createDeploymentStore>;
