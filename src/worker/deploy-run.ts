import { type DeployStep, deployStepOf, deployWorkerStates } from '../renewals/deploy-transitions.ts';
import type { DeploymentRecord } from '../renewals/deployment-record.ts';
import type { RenewalJobData, Step, StepContext, StepRun } from './step-context.ts';
import {
  deployCreateStep,
  deployFollowStep,
  deployReconcileStep,
  rollbackStep,
  verifyStep,
} from './steps/deploy.ts';

/** The function of each worker step the deployment's table names (deploy-transitions.ts: a state's `step`). */
const steps: Record<DeployStep, StepRun<DeploymentRecord>> = {
  deploy_create: deployCreateStep,
  deploy_reconcile: deployReconcileStep,
  deploy_follow: deployFollowStep,
  tls_check: (ctx, deployment, data) => verifyStep(ctx, deployment, data),
  rollback: rollbackStep,
};

/**
 * Runs the step a deployment's state calls for. Each decision of a person (Deploy, Check again, Roll back) is a run
 * of its own, a job of its own (`deploy-<request>-<run>`): a run whose deployment has moved on to a later run does
 * nothing, so an old job still finishing never works beside the new one.
 */
export async function runDeployStep(
  ctx: StepContext,
  deployment: DeploymentRecord,
  data: RenewalJobData,
  signal: AbortSignal | undefined,
): Promise<Step> {
  if (deployment.run !== data.run) return { kind: 'done' };
  const step = deployStepOf(deployment);
  return step ? steps[step](ctx, deployment, data, signal) : { kind: 'done' };
}

/**
 * After too many runs in a row ended in an unexpected error: the deployment is lost (the job, if any, is in the
 * console; the thread says what to check). True when the worker owned it.
 */
export async function giveUpDeployment(
  ctx: StepContext,
  requestId: string,
  message: string,
): Promise<boolean> {
  const deployment = await ctx.store.deployments.get(requestId).catch(() => undefined);
  if (!deployment || !deployWorkerStates.has(deployment.state)) return false;
  const reason = message.slice(0, 300);
  await ctx.store.deployments.transition(requestId, 'deploy_lost', {
    actor: 'worker',
    detail: reason,
    notify: [
      { kind: 'event', event: { type: 'deploy_lost', jobId: deployment.jobId, reason } },
      { kind: 'deploy_card' },
    ],
  });
  return true;
}
