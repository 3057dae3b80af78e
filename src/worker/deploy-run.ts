import { type DeploymentRecord, deployWorkerStates } from '../renewals/deployment-record.ts';
import type { RenewalJobData, Step, StepContext } from './step-context.ts';
import {
  deployCreateStep,
  deployFollowStep,
  deployReconcileStep,
  rollbackStep,
  verifyStep,
} from './steps/deploy.ts';

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
  switch (deployment.state) {
    case 'deploy_approved':
      return deployCreateStep(ctx, deployment, data, signal);
    case 'deploy_creating':
      return deployReconcileStep(ctx, deployment, data, signal);
    case 'deploying':
      return deployFollowStep(ctx, deployment, data, signal);
    case 'verifying':
      return verifyStep(ctx, deployment, data);
    case 'rolling_back':
      return rollbackStep(ctx, deployment, data, signal);
    default:
      return { kind: 'done' };
  }
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
      { kind: 'card' },
    ],
  });
  return true;
}
