import { randomUUID } from 'node:crypto';
import { isAppError } from '../../errors.ts';
import { type DeployResult, deploymentJobName } from '../../renewals/deployment.ts';
import type { DeploymentRecord } from '../../renewals/deployment-record.ts';
import { onceOnly, reconcileOnce } from '../once-only.ts';
import { type RenewalJobData, type Step, type StepContext, type StepRun, tell } from '../step-context.ts';
import { casErrorText as errorText } from './deploy-errors.ts';
import { anyContact, deployCard, lost, moveDeployment, workerResults } from './deploy-moves.ts';

export { findDeployTargets } from './deploy-targets.ts';
export { verifyStep } from './verify.ts';

/**
 * From `deploy_approved`: claims (on disk), then creates the job once, named after the request, and starts it.
 * CAS answers that prove nothing happened go back to `deploy_approved`; anything ambiguous stays claimed, for
 * {@link deployReconcileStep}.
 */
export async function deployCreateStep(
  ctx: StepContext,
  record: DeploymentRecord,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  const options = signal ? { signal } : {};
  const resources = record.resources ?? [];
  const contactIds = record.contactIds ?? (await anyContact(ctx, options));
  if (resources.length === 0 || contactIds.length === 0) {
    const reason =
      resources.length === 0
        ? 'nothing to deploy'
        : 'a deployment job needs a CAS contact, and there is none';
    return lost(ctx, record, undefined, reason);
  }
  const job = { name: deploymentJobName(record.requestId), certIds: [record.newCertId], contactIds };
  return onceOnly(ctx, onceRecord(record), data, {
    action: 'CreateDeploymentJob',
    logFields: { resources: resources.length },
    claim: () =>
      moveDeployment(ctx, record, 'deploy_creating', {
        fields: { creatingAt: ctx.now(), intentId: randomUUID() },
      }),
    call: () =>
      ctx.cas.createDeploymentJob({ ...job, resourceIds: resources.map((r) => r.resourceId) }, options),
    record: ({ jobId }) => jobKnown(ctx, record, jobId, `job ${jobId}`),
    afterwards: async (saved, { jobId }) =>
      saved.ok ? startJob(ctx, saved.record, jobId, signal) : { kind: 'again' },
    refused: (err) => lost(ctx, record, undefined, `CAS refused the job: ${errorText(err)}`),
    notExecuted: {
      counter: 'deployRetries',
      move: 'deploy_not_executed',
      reason: errorText,
      gaveUp: (_tries, reason) => lost(ctx, record, undefined, `CAS did not take the job (${reason})`),
    },
    unknown: { log: 'deployment job outcome unknown; will look for it by name' },
  });
}

/** The deployment as the once-only skeleton names it: by its request's ID (its moves, its log). */
const onceRecord = (record: DeploymentRecord) => ({ id: record.requestId, updatedAt: record.updatedAt });

/** Records the job (created, or found by its name after a crash) before it is started. */
function jobKnown(ctx: StepContext, record: DeploymentRecord, jobId: string, detail: string) {
  return moveDeployment(ctx, record, 'deploy_job_created', { detail, fields: { jobId } });
}

/**
 * From `deploy_creating`: the job is known (start it), or the create call's outcome is unknown: once it is
 * certainly over, the job is looked for by its name. One: follow it. None: it did not happen, create it again.
 */
export async function deployReconcileStep(
  ctx: StepContext,
  record: DeploymentRecord,
  _data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  if (record.jobId) return startJob(ctx, record, record.jobId, signal);
  return reconcileOnce(ctx, onceRecord(record), record.creatingAt, async () => {
    const name = deploymentJobName(record.requestId);
    let jobs: Awaited<ReturnType<typeof ctx.cas.listDeploymentJobs>>;
    try {
      // ListDeploymentJob has no name filter: every user job is paged, the name matched exactly, deleted ones
      // skipped.
      jobs = (await ctx.cas.listDeploymentJobs(signal ? { signal } : {})).filter(
        (j) => j.Name === name && j.Del !== 1,
      );
    } catch (err) {
      if (isAppError(err) && err.retryable) return { kind: 'later', ms: ctx.timings.reconcileSettleMs };
      return lost(ctx, record, undefined, `listing deployment jobs failed: ${errorText(err)}`);
    }
    if (jobs.length > 1) {
      const ids = jobs.map((j) => j.Id).join(', ');
      return lost(ctx, record, undefined, `several jobs are named ${name}: ${ids}`);
    }
    const job = jobs[0];
    if (!job) {
      await moveDeployment(ctx, record, 'deploy_not_executed', { detail: `no job named ${name}` });
      return { kind: 'again' };
    }
    const saved = await jobKnown(ctx, record, job.Id, `found job ${job.Id} by its name`);
    return saved.ok ? startJob(ctx, saved.record, job.Id, signal) : { kind: 'again' };
  });
}

/** A new job waits in `editing` until started (UpdateDeploymentJobStatus pending); a started one is left alone. */
async function startJob(
  ctx: StepContext,
  record: DeploymentRecord,
  jobId: string,
  signal: AbortSignal | undefined,
): Promise<Step> {
  const options = signal ? { signal } : {};
  try {
    const job = await ctx.cas.describeDeploymentJob(jobId, options);
    if (job.Status === 'editing') await ctx.cas.updateDeploymentJobStatus(jobId, 'pending', options);
  } catch (err) {
    if (isAppError(err) && err.retryable) return { kind: 'later', ms: ctx.timings.reconcileSettleMs };
    return lost(ctx, record, jobId, `starting the job failed: ${errorText(err)}`);
  }
  const result = await moveDeployment(ctx, record, 'deploy_started', {
    detail: `job ${jobId} started`,
    notify: [tell({ type: 'deploy_started', jobId, resources: record.resources ?? [] }), deployCard],
  });
  ctx.logger.info({ recordId: record.requestId, jobId }, 'deployment job started');
  return result.ok ? { kind: 'later', ms: ctx.pollDelay(0) } : { kind: 'again' };
}

/** From `deploying`: follows the job to success or error, then records each resource's outcome. */
export async function deployFollowStep(
  ctx: StepContext,
  record: DeploymentRecord,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  const { cas, timings, now } = ctx;
  const jobId = record.jobId as string;
  const options = signal ? { signal } : {};
  let status: string;
  let results: DeployResult[] = [];
  try {
    status = (await cas.describeDeploymentJob(jobId, options)).Status;
    if (status === 'editing') await cas.updateDeploymentJobStatus(jobId, 'pending', options);
    if (status === 'success' || status === 'error') results = await workerResults(ctx, record, jobId, signal);
  } catch (err) {
    if (isAppError(err) && err.retryable) {
      data.pollErrors = (data.pollErrors ?? 0) + 1;
      if (data.pollErrors <= timings.maxPollErrors)
        return { kind: 'later', ms: ctx.pollDelay(data.deployPolls ?? 0) };
    }
    return lost(ctx, record, jobId, `following the job failed: ${errorText(err)}`);
  }
  data.pollErrors = 0;
  if (status !== 'success' && status !== 'error') {
    data.deployPolls = (data.deployPolls ?? 0) + 1;
    if (now() - (record.creatingAt ?? now()) > timings.deadlineMs)
      return lost(ctx, record, jobId, `the job is still ${status}`);
    return { kind: 'later', ms: ctx.pollDelay(data.deployPolls) };
  }
  // Checked even when every resource failed: what the endpoints serve is the answer people need.
  const tls = ctx.deploy?.tlsCheck === true;
  const moved = await moveDeployment(ctx, record, tls ? 'deploy_finished' : 'deploy_finished_unchecked', {
    detail: `job ${jobId} ${status}`,
    fields: { results },
    notify: [tell({ type: 'deploy_results', jobId, results }), deployCard],
  });
  ctx.logger.info({ recordId: record.requestId, jobId, status }, 'deployment job finished');
  return moved.ok ? (tls ? { kind: 'again' } : { kind: 'done' }) : { kind: 'again' };
}

/** From `rolling_back`: asks CAS to roll the resource back (once it is finished), then follows it. */
export const rollbackStep: StepRun<DeploymentRecord> = async (ctx, record, data, signal) => {
  const { cas, timings } = ctx;
  const jobId = record.jobId;
  const workerId = record.rollbackWorkerId;
  if (!jobId || !workerId) return lost(ctx, record, jobId, 'no resource to roll back');
  const options = signal ? { signal } : {};
  let results: DeployResult[];
  try {
    results = await workerResults(ctx, record, jobId, signal);
    const target = results.find((r) => r.workerId === workerId);
    if (!target) return lost(ctx, record, jobId, `resource ${workerId} is not in the job`);
    if (target.status === 'success' || target.status === 'error' || target.status === 'rollback_error') {
      // rollback_error is sent again only for a new request of a person (each click is a new record version; the
      // job, and its data, may be the one that followed the previous rollback).
      if (target.status !== 'rollback_error' || data.rollbackVersion !== record.version) {
        await cas.rollbackWorkerResource(jobId, workerId, options);
        data.deployPolls = 1;
        data.rollbackVersion = record.version;
        return { kind: 'later', ms: ctx.pollDelay(0) };
      }
    }
    if (target.status === 'rollback' || target.status === 'rolling_back') {
      data.deployPolls = (data.deployPolls ?? 0) + 1;
      return { kind: 'later', ms: ctx.pollDelay(data.deployPolls) };
    }
    const moved = await moveDeployment(ctx, record, 'rolled_back', {
      detail: `worker ${workerId} ${target.status}`,
      fields: { results: results },
      notify: [tell({ type: 'rolled_back', resource: target, jobId }), deployCard],
    });
    return moved.ok ? { kind: 'done' } : { kind: 'again' };
  } catch (err) {
    if (isAppError(err) && err.retryable) return { kind: 'later', ms: timings.reconcileSettleMs };
    return lost(ctx, record, jobId, `rolling back failed: ${errorText(err)}`);
  }
};
