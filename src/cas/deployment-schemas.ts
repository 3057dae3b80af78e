import { z } from 'zod';
import {
  absentIfNull,
  dataPage,
  Int64Id,
  looseText,
  msString,
  optionalId,
  optionalText,
} from './schema-fields.ts';

/** One cloud resource that can serve a certificate (`ListCloudResources`). */
export const CloudResource = z.object({
  /** The ResourceId to deploy to. */
  Id: Int64Id,
  CloudProduct: optionalText,
  Domain: optionalText,
  InstanceId: looseText,
  ListenerId: looseText,
  ListenerPort: looseText,
  RegionId: optionalText,
  /** The certificate it serves now. */
  CertId: optionalId,
  CertName: optionalText,
  CertEndTime: msString,
  EnableHttps: absentIfNull(z.union([z.number(), z.boolean(), z.string()])),
  Status: optionalText,
});
export type CloudResource = z.infer<typeof CloudResource>;

export const ListCloudResourcesResponse = dataPage(CloudResource);

export const CreateDeploymentJobResponse = z.object({ RequestId: z.string(), JobId: Int64Id });

/** `DescribeDeploymentJob`: editing, pending, scheduling, processing, error, success. */
export const DescribeDeploymentJobResponse = z.object({
  RequestId: z.string(),
  Id: optionalId,
  Name: optionalText,
  Status: z.string(),
  JobType: optionalText,
  GmtCreate: msString,
  StartTime: msString,
  EndTime: msString,
  Rollback: absentIfNull(z.union([z.number(), z.boolean(), z.string()])),
});
export type DescribeDeploymentJobResponse = z.infer<typeof DescribeDeploymentJobResponse>;

/** One deployment job (`ListDeploymentJob`); the official model has no name or keyword filter on the request. */
export const DeploymentJob = z.object({
  Id: Int64Id,
  Name: optionalText,
  Status: optionalText,
  JobType: optionalText,
  GmtCreate: msString,
  /** `1` once the job was deleted ("no practical significance" per the model: skipped when looking for a job). */
  Del: absentIfNull(z.union([z.number(), z.string()]).transform(Number)),
});
export const ListDeploymentJobResponse = dataPage(DeploymentJob);

/**
 * One resource of a job (`ListWorkerResource`, fields as in Alibaba's SDK model): editing … success, error,
 * rollback, rollback_success, rollback_error. It has no error code or message: the reason of a failure is only
 * in the console's job.
 */
export const WorkerResource = z.object({
  /** The WorkerId (for UpdateWorkerResourceStatus). */
  Id: Int64Id,
  ResourceId: optionalId,
  CertId: optionalId,
  /** The certificate the resource served before. */
  ResourceCertId: optionalId,
  CloudProduct: optionalText,
  /** The domain the resource was bound to (what it serves). */
  ResourceDomain: optionalText,
  /** The domain names of the certificate deployed. */
  CertDomain: optionalText,
  /** Listening port (SLB, NLB, ALB, GA only). */
  Port: looseText,
  RegionId: optionalText,
  InstanceId: looseText,
  ListenerId: looseText,
  Status: z.string(),
});
export type WorkerResource = z.infer<typeof WorkerResource>;
export const ListWorkerResourceResponse = dataPage(WorkerResource);

/**
 * `GetUserCertificateDetail` with `CertFilter=true`: the certificate's facts without its PEM or key (the bot never
 * asks for the key, and drops `Cert`/`Key` if they came anyway). `Sha2` is not read: the model does not define it
 * precisely, so fingerprints are computed from the certificate itself.
 */
export const CertificateDetailResponse = z.object({
  RequestId: z.string(),
  Id: optionalId,
  Common: optionalText,
  Sans: optionalText,
  NotAfter: absentIfNull(z.number()),
  SerialNo: optionalText,
  OrderId: optionalId,
  InstanceId: looseText,
});
export type CertificateDetailResponse = z.infer<typeof CertificateDetailResponse>;

/**
 * `GetUserCertificateDetail` without `CertFilter`: only the certificate's PEM is kept. The same answer carries the
 * private key (`Key`, `EncryptPrivateKey`, `SignPrivateKey`); this schema strips it, so it never leaves the parser.
 */
export const CertificatePemResponse = z.object({ RequestId: z.string(), Cert: z.string().min(1) });
