import { randomUUID } from 'node:crypto';
import { isAppError } from '../../errors.ts';
import { type DeployResult, deploymentJobName } from '../../renewals/deployment.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import type { Notice } from '../../renewals/store.ts';
import { onceOnly, reconcileOnce } from '../once-only.ts';
import { type RenewalJobData, type Step, type StepContext, tell } from '../step-context.ts';
import { casErrorText as errorText } from './deploy-errors.ts';

export { findDeployTargets } from './deploy-targets.ts';
export { verifyStep } from './verify.ts';

const deployCard: Notice = { kind: 'deploy_card' };

/**
 * From `deploy_approved`: claims (on disk), then creates the job once, named after the request, and starts it.
 * CAS answers that prove nothing happened go back to `deploy_approved`; anything ambiguous stays claimed, for
 * {@link deployReconcileStep}.
 */
export async function deployCreateStep(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  const options = signal ? { signal } : {};
  const resources = record.deployResources ?? [];
  const contactIds =
    record.application?.contactIds ??
    (await ctx.cas.listContacts(options).catch(() => [])).slice(0, 1).map((c) => c.ContactId);
  if (!record.newCertId || resources.length === 0 || contactIds.length === 0) {
    const reason =
      contactIds.length === 0
        ? 'a deployment job needs a CAS contact, and there is none'
        : 'nothing to deploy';
    return lost(ctx, record, undefined, reason);
  }
  const job = { name: deploymentJobName(record.id), certIds: [record.newCertId], contactIds };
  return onceOnly(ctx, record, data, {
    action: 'CreateDeploymentJob',
    logFields: { resources: resources.length },
    claim: () =>
      ctx.store.transition(record.id, 'deploy_creating', {
        actor: 'worker',
        fields: { deployCreatingAt: ctx.now(), intentId: randomUUID() },
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

/** Records the job (created, or found by its name after a crash) before it is started. */
function jobKnown(ctx: StepContext, record: RenewalRecord, jobId: string, detail: string) {
  return ctx.store.transition(record.id, 'deploy_job_created', {
    actor: 'worker',
    detail,
    fields: { deployJobId: jobId },
  });
}

/**
 * From `deploy_creating`: the job is known (start it), or the create call's outcome is unknown: once it is
 * certainly over, the job is looked for by its name. One: follow it. None: it did not happen, create it again.
 */
export async function deployReconcileStep(
  ctx: StepContext,
  record: RenewalRecord,
  _data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  if (record.deployJobId) return startJob(ctx, record, record.deployJobId, signal);
  return reconcileOnce(ctx, record, record.deployCreatingAt, async () => {
    const name = deploymentJobName(record.id);
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
      await ctx.store.transition(record.id, 'deploy_not_executed', {
        actor: 'worker',
        detail: `no job named ${name}`,
      });
      return { kind: 'again' };
    }
    const saved = await jobKnown(ctx, record, job.Id, `found job ${job.Id} by its name`);
    return saved.ok ? startJob(ctx, saved.record, job.Id, signal) : { kind: 'again' };
  });
}

/** A new job waits in `editing` until started (UpdateDeploymentJobStatus pending); a started one is left alone. */
async function startJob(
  ctx: StepContext,
  record: RenewalRecord,
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
  const result = await ctx.store.transition(record.id, 'deploy_started', {
    actor: 'worker',
    detail: `job ${jobId} started`,
    notify: [tell({ type: 'deploy_started', jobId, resources: record.deployResources ?? [] }), deployCard],
  });
  ctx.logger.info({ recordId: record.id, jobId }, 'deployment job started');
  return result.ok ? { kind: 'later', ms: ctx.pollDelay(0) } : { kind: 'again' };
}

/** From `deploying`: follows the job to success or error, then records each resource's outcome. */
export async function deployFollowStep(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  const { store, cas, timings, now } = ctx;
  const jobId = record.deployJobId as string;
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
    if (now() - (record.deployCreatingAt ?? now()) > timings.deadlineMs)
      return lost(ctx, record, jobId, `the job is still ${status}`);
    return { kind: 'later', ms: ctx.pollDelay(data.deployPolls) };
  }
  // Checked even when every resource failed: what the endpoints serve is the answer people need.
  const tls = ctx.deploy?.tlsCheck === true;
  const moved = await store.transition(record.id, tls ? 'deploy_finished' : 'deploy_finished_unchecked', {
    actor: 'worker',
    detail: `job ${jobId} ${status}`,
    fields: { deployResults: results },
    notify: [tell({ type: 'deploy_results', jobId, results }), deployCard],
  });
  ctx.logger.info({ recordId: record.id, jobId, status }, 'deployment job finished');
  return moved.ok ? (tls ? { kind: 'again' } : { kind: 'done' }) : { kind: 'again' };
}

async function workerResults(
  ctx: StepContext,
  record: RenewalRecord,
  jobId: string,
  signal: AbortSignal | undefined,
): Promise<DeployResult[]> {
  const workers = await ctx.cas.listWorkerResources(jobId, signal ? { signal } : {});
  const proposed = new Map((record.deployResources ?? []).map((r) => [r.resourceId, r]));
  return workers.map((w) => {
    const known = w.ResourceId ? proposed.get(w.ResourceId) : undefined;
    // What ListWorkerResource really has (Alibaba's model): ResourceDomain, CertDomain, Port; no reason of a failure.
    const domain = w.ResourceDomain ?? known?.domain;
    const region = w.RegionId ?? known?.region;
    const port = w.Port ?? known?.listenerPort;
    return {
      workerId: w.Id,
      resourceId: w.ResourceId ?? known?.resourceId ?? '',
      product: w.CloudProduct ?? known?.product ?? 'unknown',
      ...(domain ? { domain } : {}),
      ...(region ? { region } : {}),
      ...(port ? { listenerPort: port } : {}),
      ...(w.CertDomain ? { certDomain: w.CertDomain } : {}),
      status: w.Status,
    };
  });
}

/** From `rolling_back`: asks CAS to roll the resource back (once it is finished), then follows it. */
export async function rollbackStep(
  ctx: StepContext,
  record: RenewalRecord,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  const { cas, store, timings } = ctx;
  const jobId = record.deployJobId;
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
    const moved = await store.transition(record.id, 'rolled_back', {
      actor: 'worker',
      detail: `worker ${workerId} ${target.status}`,
      fields: { deployResults: results },
      notify: [tell({ type: 'rolled_back', resource: target, jobId }), deployCard],
    });
    return moved.ok ? { kind: 'done' } : { kind: 'again' };
  } catch (err) {
    if (isAppError(err) && err.retryable) return { kind: 'later', ms: timings.reconcileSettleMs };
    return lost(ctx, record, jobId, `rolling back failed: ${errorText(err)}`);
  }
}

/**
 * Ends a deployment the worker cannot take further: with a job (it exists; the console has the rest) as
 * `deploy_lost`, without one as `deploy_not_created` — a deployment never created is never "Deployed".
 */
async function lost(
  ctx: StepContext,
  record: RenewalRecord,
  jobId: string | undefined,
  reason: string,
): Promise<Step> {
  const moved = await ctx.store.transition(record.id, jobId ? 'deploy_lost' : 'deploy_not_created', {
    actor: 'worker',
    detail: reason,
    notify: [
      tell(jobId ? { type: 'deploy_lost', jobId, reason } : { type: 'deploy_not_created', reason }),
      deployCard,
    ],
  });
  ctx.logger.warn({ recordId: record.id, jobId, reason }, 'deployment not followed to its end');
  return moved.ok ? { kind: 'done' } : { kind: 'again' };
}
