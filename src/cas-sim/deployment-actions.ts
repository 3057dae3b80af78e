import type { SimActionTable } from './actions.ts';
import type { DeploymentStore } from './deployments.ts';
import { dataPage } from './params.ts';

/** The deployment actions: list cloud resources, then create, start, watch, list, delete and roll back jobs. */
export function createDeploymentActions(deployments: DeploymentStore, maxShowSize: number): SimActionTable {
  return {
    ListCloudResources: (params) =>
      dataPage(params, deployments.listCloudResources(params).map(deployments.resourceItem), maxShowSize),
    CreateDeploymentJob: (params) => ({ JobId: deployments.create(params).id }),
    UpdateDeploymentJobStatus(params) {
      deployments.updateStatus(params.JobId, params.Status);
      return { Data: [] };
    },
    DescribeDeploymentJob: (params) => deployments.describe(params.JobId),
    ListDeploymentJob: (params) => dataPage(params, deployments.list(params), maxShowSize),
    DeleteDeploymentJob(params) {
      deployments.remove(params.JobId);
      return {};
    },
    ListWorkerResource: (params) => dataPage(params, deployments.workers(params.JobId), maxShowSize),
    UpdateWorkerResourceStatus(params) {
      deployments.rollback(params.JobId, params.WorkerId, params.Status);
      return { Data: [] };
    },
  };
}
