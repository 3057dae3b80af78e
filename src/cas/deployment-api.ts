import { type CasCaller, type Query, readById } from './call.ts';
import type { CallOptions } from './client-options.ts';
import {
  CertificateDetailResponse,
  CertificatePemResponse,
  type CloudResource,
  CreateDeploymentJobResponse,
  DescribeDeploymentJobResponse,
  ListCloudResourcesResponse,
  ListDeploymentJobResponse,
  ListWorkerResourceResponse,
  type WorkerResource,
} from './deployment-schemas.ts';
import { assertOrderId } from './ids.ts';
import { RequestIdOnly } from './schema-fields.ts';

/** The deployment calls of CAS: cloud resources, deployment jobs and their workers, certificates' facts. */
export interface CasDeploymentApi {
  /**
   * Cloud resources (all pages), optionally of one product and only those serving one of `certIds`. Without
   * `cloudProduct` (optional in Alibaba's model) one listing covers every product.
   */
  listCloudResources(
    filter: { cloudProduct?: string | undefined; certIds?: readonly string[]; keyword?: string },
    options?: CallOptions,
  ): Promise<CloudResource[]>;
  /** Creates a deployment job; it stays `editing` until {@link CasDeploymentApi.updateDeploymentJobStatus}. Never retried here. */
  createDeploymentJob(
    input: {
      name: string;
      certIds: readonly string[];
      resourceIds: readonly string[];
      contactIds: readonly string[];
    },
    options?: CallOptions,
  ): Promise<{ jobId: string }>;
  /** `pending` starts an `editing` job (idempotent). */
  updateDeploymentJobStatus(
    jobId: string,
    status: 'pending' | 'editing' | 'scheduling',
    options?: CallOptions,
  ): Promise<void>;
  describeDeploymentJob(jobId: string, options?: CallOptions): Promise<DescribeDeploymentJobResponse>;
  /**
   * The account's deployment jobs of `JobType=user` (all pages). ListDeploymentJob has no name filter: callers
   * match `Name` themselves.
   */
  listDeploymentJobs(
    options?: CallOptions,
  ): Promise<
    Array<{ Id: string; Name?: string | undefined; Status?: string | undefined; Del?: number | undefined }>
  >;
  /** Every resource of a job, with its outcome. */
  listWorkerResources(jobId: string, options?: CallOptions): Promise<WorkerResource[]>;
  /** A certificate's facts (fingerprint, names, dates), never its PEM or private key (`CertFilter=true`). */
  getUserCertificateDetail(certId: string, options?: CallOptions): Promise<CertificateDetailResponse>;
  /**
   * A certificate's PEM (to fingerprint it). CAS sends the private key in the same answer: the parser keeps only
   * `Cert`, so the key is never returned, stored or logged.
   */
  getCertificatePem(certId: string, options?: CallOptions): Promise<string>;
  /** Rolls one resource of a job back to the certificate it served before. */
  rollbackWorkerResource(jobId: string, workerId: string, options?: CallOptions): Promise<void>;
}

/** ListCloudResources' parameters; `CertIds` is one JSON string, as the SDK sends it (`CertIds=[123,456]`). */
function cloudResourcesQuery(filter: Parameters<CasDeploymentApi['listCloudResources']>[0]): Query {
  const base: Query = [['CloudName', 'aliyun']];
  if (filter.cloudProduct !== undefined) base.push(['CloudProduct', filter.cloudProduct]);
  if (filter.certIds?.length) base.push(['CertIds', `[${filter.certIds.join(',')}]`]);
  if (filter.keyword !== undefined) base.push(['Keyword', filter.keyword]);
  return base;
}

/** The deployment job calls (create, start, follow, list, roll back a worker). */
function createJobCalls(
  caller: CasCaller,
): Omit<CasDeploymentApi, 'listCloudResources' | 'getUserCertificateDetail' | 'getCertificatePem'> {
  return {
    async createDeploymentJob(input, callOptions = {}) {
      const r = await caller.once(
        'CreateDeploymentJob',
        [
          ['Name', input.name],
          ['JobType', 'user'],
          ['CertIds', input.certIds.join(',')],
          ['ResourceIds', input.resourceIds.join(',')],
          ['ContactIds', input.contactIds.join(',')],
        ],
        CreateDeploymentJobResponse,
        callOptions,
      );
      return { jobId: r.JobId };
    },
    async updateDeploymentJobStatus(jobId, status, callOptions = {}) {
      assertOrderId(jobId);
      await caller.read(
        'UpdateDeploymentJobStatus',
        [
          ['JobId', jobId],
          ['Status', status],
        ],
        RequestIdOnly,
        callOptions,
      );
    },
    describeDeploymentJob: readById(
      caller,
      'DescribeDeploymentJob',
      ['JobId', assertOrderId],
      DescribeDeploymentJobResponse,
    ),
    async listDeploymentJobs(callOptions = {}) {
      return caller.pages('ListDeploymentJob', [['JobType', 'user']], ListDeploymentJobResponse, callOptions);
    },
    async listWorkerResources(jobId, callOptions = {}) {
      assertOrderId(jobId);
      return caller.pages('ListWorkerResource', [['JobId', jobId]], ListWorkerResourceResponse, callOptions);
    },
    async rollbackWorkerResource(jobId, workerId, callOptions = {}) {
      assertOrderId(jobId);
      assertOrderId(workerId);
      await caller.read(
        'UpdateWorkerResourceStatus',
        [
          ['JobId', jobId],
          ['WorkerId', workerId],
          ['Status', 'rollback'],
        ],
        RequestIdOnly,
        callOptions,
      );
    },
  };
}

/** The deployment calls, made through the shared request machinery. */
export function createCasDeploymentApi(caller: CasCaller): CasDeploymentApi {
  // Without CertFilter: the answer carries the certificate's PEM.
  const certificatePem = readById(
    caller,
    'GetUserCertificateDetail',
    ['CertId', assertOrderId],
    CertificatePemResponse,
  );
  return {
    ...createJobCalls(caller),
    async listCloudResources(filter, callOptions = {}) {
      return caller.pages(
        'ListCloudResources',
        cloudResourcesQuery(filter),
        ListCloudResourcesResponse,
        callOptions,
      );
    },
    async getUserCertificateDetail(certId, callOptions = {}) {
      assertOrderId(certId);
      return caller.read(
        'GetUserCertificateDetail',
        [
          ['CertId', certId],
          ['CertFilter', 'true'],
        ],
        CertificateDetailResponse,
        callOptions,
      );
    },
    async getCertificatePem(certId, callOptions = {}) {
      return (await certificatePem(certId, callOptions)).Cert;
    },
  };
}
