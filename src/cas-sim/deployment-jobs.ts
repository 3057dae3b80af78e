import type { DeployBehaviour, SimJob, SimResource, SimWorker } from './deployment-model.ts';
import type { SimParams } from './params.ts';
import { SimError } from './sim-error.ts';

type Resources = ReadonlyMap<string, SimResource>;

/** One look at a job moves it one step on (as CAS's scheduler would between two looks). */
export function advanceJob(job: SimJob, resources: Resources, now: number): void {
  switch (job.status) {
    case 'pending':
      job.status = 'scheduling';
      return;
    case 'scheduling':
      job.status = 'processing';
      job.startedAt = now;
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
      job.endedAt = now;
      return;
    default:
      return;
  }
}

/** One look at a job's workers ends its rollbacks: the previous certificate is back, or `rollback_error`. */
export function advanceRollbacks(job: SimJob, resources: Resources): void {
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

/** One item of ListWorkerResource: the fields of Alibaba's model (no Domain, no error code or message). */
export function workerItem(
  w: SimWorker,
  job: SimJob,
  r: SimResource | undefined,
  certDomain: string | undefined,
) {
  const listener = r?.listenerPort !== undefined;
  return {
    Id: w.id,
    JobId: job.id,
    ResourceId: w.resourceId,
    CertId: w.certId,
    ResourceCertId: w.resourceCertId ?? null,
    CloudProduct: r?.cloudProduct ?? null,
    ResourceDomain: r?.domain ?? null,
    CertDomain: certDomain ?? null,
    // Port only for SLB, NLB, ALB and GA listeners, as the model says.
    ...(listener ? { Port: r?.listenerPort } : {}),
    RegionId: r?.regionId ?? null,
    Status: w.status,
    GmtCreate: String(job.createdAt),
  };
}

/** A new job, `editing`, one worker per resource (`worker` gives each its ID and what the resource serves). */
export function newJob(
  request: ReturnType<typeof parseJobRequest> & { id: string; createdAt: number },
  worker: (resourceId: string) => { id: string; resourceCertId: string | undefined },
): SimJob {
  return {
    id: request.id,
    name: request.name,
    jobType: request.jobType,
    status: 'editing',
    certIds: request.certIds,
    createdAt: request.createdAt,
    startedAt: undefined,
    endedAt: undefined,
    workers: request.resourceIds.map((resourceId) => ({
      ...worker(resourceId),
      resourceId,
      certId: request.certIds[0] as string,
      status: 'editing',
    })),
    deleted: false,
  };
}

/** One item of ListDeploymentJob. */
function jobListItem(j: SimJob) {
  return {
    Id: j.id,
    Name: j.name,
    Status: j.status,
    JobType: j.jobType,
    GmtCreate: String(j.createdAt),
    Del: j.deleted ? 1 : 0,
  };
}

/** DescribeDeploymentJob's answer: the job as it is before this look moves it on. */
export function jobDetail(job: SimJob) {
  return {
    Id: job.id,
    Name: job.name,
    JobType: job.jobType,
    Status: job.status,
    GmtCreate: String(job.createdAt),
    StartTime: job.startedAt === undefined ? null : String(job.startedAt),
    EndTime: job.endedAt === undefined ? null : String(job.endedAt),
    Rollback: job.workers.some((w) => w.status.startsWith('rollback')) ? 1 : 0,
  };
}

/** The IDs a CreateDeploymentJob names, each refused unless it exists. */
export function parseJobRequest(
  params: SimParams,
  exists: {
    certificate: (id: string) => boolean;
    resource: (id: string) => boolean;
    contact: (id: string) => boolean;
  },
) {
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
    if (!exists.certificate(c))
      throw new SimError(400, 'InvalidParameter.CertId', `Certificate ${c} does not exist.`);
  for (const r of resourceIds)
    if (!exists.resource(r))
      throw new SimError(400, 'InvalidParameter.ResourceId', `Resource ${r} does not exist.`);
  for (const c of contactIds)
    if (!exists.contact(c))
      throw new SimError(400, 'InvalidParameter.ContactId', `Contact ${c} does not exist.`);
  return { name: params.Name, jobType, certIds, resourceIds };
}

/** UpdateDeploymentJobStatus: start an `editing` job (`pending`/`scheduling`), or stop a pending one (`editing`). */
export function updateJobStatus(job: SimJob, status: string | undefined): void {
  if (job.status === 'success' || job.status === 'error')
    throw new SimError(400, 'InvalidStatus.Job', `The job is ${job.status}; its status cannot change.`);
  if (status === 'pending' || status === 'scheduling') {
    if (job.status === 'editing') {
      job.status = status;
      for (const w of job.workers) w.status = 'pending';
    }
  } else if (status === 'editing') {
    if (job.status !== 'pending') throw new SimError(400, 'InvalidStatus.Job', `The job is ${job.status}.`);
    job.status = 'editing';
  } else {
    throw new SimError(400, 'InvalidParameter.Status', 'Status must be pending, scheduling or editing.');
  }
}

/** UpdateWorkerResourceStatus: rolls back one finished resource of a job. */
export function rollbackWorker(
  job: SimJob,
  workerId: string | undefined,
  status: string | undefined,
  behaviour: DeployBehaviour,
): void {
  if (status !== 'rollback') throw new SimError(400, 'InvalidParameter.Status', 'Status must be rollback.');
  const w = job.workers.find((x) => x.id === workerId);
  if (!w) throw new SimError(404, 'NotFound', 'The worker does not exist.');
  const again = w.status === 'rollback_error' && behaviour.rollbackAgain === 'allow';
  if (w.status !== 'success' && w.status !== 'error' && !again)
    throw new SimError(
      400,
      'InvalidStatus.Worker',
      `The resource is ${w.status}; only a finished one can be rolled back.`,
    );
  w.status = 'rollback';
}

/** ListDeploymentJob: JobType and Status filters only (its model has no name filter); newest first. */
export function listJobs(jobs: ReadonlyMap<string, SimJob>, params: SimParams, behaviour: DeployBehaviour) {
  if (params.Keyword !== undefined && behaviour.listJobKeyword === 'refuse')
    throw new SimError(400, 'InvalidParameter', 'The parameter Keyword is not supported.');
  return [...jobs.values()]
    .filter(
      (j) =>
        (params.JobType === undefined || j.jobType === params.JobType) &&
        (params.Status === undefined || j.status === params.Status),
    )
    .reverse()
    .map(jobListItem);
}
