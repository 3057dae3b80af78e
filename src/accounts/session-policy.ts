/**
 * What an STS session of the bot may do: the inline `Policy` of its AssumeRole narrows the role's permissions to the
 * CAS actions of one kind of work. `read`: look-ups, `/cert status|list`, the expiry scan (nothing that spends or
 * changes). `renew`: a renewal run (the paid call, the new order's application, polling). `deploy`: a deployment run.
 */
export type SessionPurpose = 'read' | 'renew' | 'deploy';

/** Every read-only CAS action the bot calls (cas/*-api.ts). */
const readActions = [
  'ListUserCertificateOrder',
  'DescribeCertificateState',
  'DescribePackageState',
  'ListInstances',
  'GetInstanceSummary',
  'GetInstanceDetail',
  'GetTaskAttribute',
  'ListCertificates',
  'ListContact',
  'GetUserCertificateDetail',
] as const;

/** The CAS actions of each purpose (RAM action names are `yundun-cert:<action>`). */
export const sessionActions: Readonly<Record<SessionPurpose, readonly string[]>> = {
  read: readActions,
  renew: [
    ...readActions,
    'RenewCertificateOrderForPackageRequest',
    'UpdateInstance',
    'ApplyCertificate',
    'CancelPendingCertificate',
    // After issuance the run looks for where the old certificate is served, to propose the deployment.
    'ListCloudResources',
  ],
  deploy: [
    ...readActions,
    'ListCloudResources',
    'CreateDeploymentJob',
    'UpdateDeploymentJobStatus',
    'DescribeDeploymentJob',
    'ListDeploymentJob',
    'ListWorkerResource',
    'UpdateWorkerResourceStatus',
  ],
};

/** The inline session policy (RAM policy JSON, version 1) allowing exactly the purpose's CAS actions. */
export function sessionPolicy(purpose: SessionPurpose): string {
  return JSON.stringify({
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: sessionActions[purpose].map((a) => `yundun-cert:${a}`),
        Resource: '*',
      },
    ],
  });
}
