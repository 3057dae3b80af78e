import { z } from 'zod';

/** An int64 ID as exact decimal digits (see int64-json.ts); numbers below 2^53 are accepted and kept exact. */
export const Int64Id = z
  .union([z.string(), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
  .transform(String)
  .pipe(z.string().regex(/^[0-9]{1,19}$/, 'must be 1-19 decimal digits'));

/** Optional fields may come as JSON `null` from the real service (the SDK's models allow it): read as absent. */
const absentIfNull = <T extends z.ZodType>(schema: T) =>
  z
    .union([schema, z.null()])
    .optional()
    .transform((v) => (v === null ? undefined : v) as z.output<T> | undefined);
const optionalText = absentIfNull(z.string());
const epochMs = z.number().int().nonnegative();
const optionalEpochMs = absentIfNull(epochMs);
const optionalId = absentIfNull(Int64Id);

/** `RenewCertificateOrderForPackageRequest` response: `OrderId` is the **new** order. */
export const RenewResponse = z.object({ OrderId: Int64Id, RequestId: z.string() });
export type RenewResponse = z.infer<typeof RenewResponse>;

const looseIdText = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined || v === '' ? undefined : String(v)));

const DescribeRaw = z.object({
  Type: z.string(),
  RequestId: z.string(),
  ValidateType: optionalText,
  RecordDomain: optionalText,
  RecordType: optionalText,
  RecordValue: optionalText,
  Domain: optionalText,
  Uri: optionalText,
  Content: optionalText,
  Certificate: optionalText,
  PrivateKey: optionalText,
  /** The issued certificate's ID (a string here; SDK ≥ 3.0.1). */
  CertId: looseIdText,
});

/** Domain-validation instructions, one of two kinds. */
export type DomainValidation =
  | { kind: 'DNS'; recordDomain: string; recordType: string; recordValue: string }
  | { kind: 'FILE'; domain: string; uri: string; content: string };

/**
 * DescribeCertificateState, parsed per `Type`. The private key CAS returns with an issued certificate is
 * deliberately dropped here, so no caller can post, log or store it.
 */
export type CertificateState =
  | { type: 'payed'; requestId: string }
  | { type: 'domain_verify'; requestId: string; validation: DomainValidation }
  | { type: 'process'; requestId: string }
  | { type: 'verify_fail'; requestId: string }
  | {
      type: 'certificate';
      requestId: string;
      certificatePem: string;
      casGeneratedKey: boolean;
      certId?: string | undefined;
    }
  | { type: 'unknow'; requestId: string }
  | { type: 'other'; requestId: string; rawType: string };

export const DescribeCertificateStateResponse = DescribeRaw.transform((r, ctx): CertificateState => {
  switch (r.Type) {
    case 'payed':
    case 'process':
    case 'verify_fail':
    case 'unknow':
      return { type: r.Type, requestId: r.RequestId };
    case 'domain_verify': {
      if (r.ValidateType === 'DNS' && r.RecordDomain && r.RecordType && r.RecordValue) {
        return {
          type: 'domain_verify',
          requestId: r.RequestId,
          validation: {
            kind: 'DNS',
            recordDomain: r.RecordDomain,
            recordType: r.RecordType,
            recordValue: r.RecordValue,
          },
        };
      }
      if (r.ValidateType === 'FILE' && r.Uri && r.Content !== undefined) {
        return {
          type: 'domain_verify',
          requestId: r.RequestId,
          validation: { kind: 'FILE', domain: r.Domain ?? '', uri: r.Uri, content: r.Content },
        };
      }
      ctx.addIssue({
        code: 'custom',
        message: `domain_verify without complete ${r.ValidateType ?? 'DNS/FILE'} fields`,
      });
      return z.NEVER;
    }
    case 'certificate':
      if (!r.Certificate) {
        ctx.addIssue({ code: 'custom', message: 'certificate state without Certificate' });
        return z.NEVER;
      }
      return {
        type: 'certificate',
        requestId: r.RequestId,
        certificatePem: r.Certificate,
        casGeneratedKey: r.PrivateKey !== undefined && r.PrivateKey !== '',
        ...(r.CertId ? { certId: r.CertId } : {}),
      };
    default:
      return { type: 'other', requestId: r.RequestId, rawType: r.Type };
  }
});

/** One order of ListUserCertificateOrder (CPACK/BUY fields; CERT/UPLOAD fields are optional). */
export const CertificateOrder = z.object({
  OrderId: optionalId,
  InstanceId: absentIfNull(z.union([z.string(), z.number()]).transform(String)),
  Domain: optionalText,
  Status: optionalText,
  ProductName: optionalText,
  ProductCode: optionalText,
  CertStartTime: optionalEpochMs,
  CertEndTime: optionalEpochMs,
  BuyDate: optionalEpochMs,
  CertType: optionalText,
  DomainType: optionalText,
  SourceType: optionalText,
  Algorithm: optionalText,
  AliyunOrderId: optionalId,
  CertificateId: optionalId,
  CommonName: optionalText,
  Sans: optionalText,
  StartDate: optionalText,
  EndDate: optionalText,
});
export type CertificateOrder = z.infer<typeof CertificateOrder>;

export const ListUserCertificateOrderResponse = z.object({
  RequestId: z.string(),
  TotalCount: z.number().int().nonnegative(),
  ShowSize: z.number().int().nonnegative(),
  CurrentPage: z.number().int().nonnegative(),
  CertificateOrderList: absentIfNull(z.array(CertificateOrder)).transform((v) => v ?? []),
});
export type ListUserCertificateOrderResponse = z.infer<typeof ListUserCertificateOrderResponse>;

export const DescribePackageStateResponse = z.object({
  RequestId: z.string(),
  ProductCode: optionalText,
  TotalCount: z.number().int(),
  UsedCount: z.number().int(),
  IssuedCount: absentIfNull(z.number().int()),
});
export type DescribePackageStateResponse = z.infer<typeof DescribePackageStateResponse>;

/**
 * CAS's error body. Gateways spell the members `Code`/`Message` or `code`/`message` (Alibaba's SDK reads both);
 * either is accepted and read as the former.
 */
export const CasErrorResponse = z
  .object({
    Code: optionalText,
    code: optionalText,
    Message: optionalText,
    message: optionalText,
    RequestId: optionalText,
    requestId: optionalText,
    HostId: optionalText,
    Recommend: optionalText,
  })
  .transform((b, ctx) => {
    const code = b.Code ?? b.code;
    if (code === undefined || code === '') {
      ctx.addIssue({ code: 'custom', message: 'no error code' });
      return z.NEVER;
    }
    return {
      Code: code,
      Message: b.Message ?? b.message ?? '',
      RequestId: b.RequestId ?? b.requestId,
      HostId: b.HostId,
      Recommend: b.Recommend,
    };
  });

/** One domain-validation record of an instance (GetInstanceDetail). */
export const InstanceValidation = z.object({
  Domain: optionalText,
  RootDomain: optionalText,
  /** `TXT`, `HTTP` or `CNAME`. */
  ValidationType: optionalText,
  /** The DNS host record, or the HTTP path. */
  ValidationKey: optionalText,
  ValidationValue: optionalText,
  Cname: optionalText,
  CnameKey: optionalText,
});
export type InstanceValidation = z.infer<typeof InstanceValidation>;

/** `GetInstanceDetail`: a certificate instance and its application (flat body). */
export const GetInstanceDetailResponse = z.object({
  RequestId: z.string(),
  InstanceId: absentIfNull(z.union([z.string(), z.number()]).transform(String)),
  /** `inactive` (awaits its application), `pending` (under review), `normal`, `willExpire`, `expired`, … */
  Status: optionalText,
  /** `issued`, `revoked`, `willExpire`, `expired`. */
  CertificateStatus: optionalText,
  CertificateId: optionalId,
  /** The CA's last message about the application. */
  PendingResult: optionalText,
  Domain: optionalText,
  ValidationMethod: optionalText,
  GenerateCsrMethod: optionalText,
  KeyAlgorithm: optionalText,
  ContactIdList: absentIfNull(z.array(Int64Id)),
  DomainValidationList: absentIfNull(z.array(InstanceValidation)).transform((v) => v ?? []),
});
export type GetInstanceDetailResponse = z.infer<typeof GetInstanceDetailResponse>;

/** A call that returns only its `RequestId` (UpdateInstance, ApplyCertificate). */
export const RequestIdOnly = z.object({ RequestId: z.string() });

/** One CAS contact (`ListContact`); the mobile number is masked by CAS. */
export const Contact = z.object({
  ContactId: Int64Id,
  Name: optionalText,
  Email: optionalText,
  EmailStatus: absentIfNull(z.union([z.string(), z.number()])),
  MobileStatus: absentIfNull(z.union([z.string(), z.number()])),
});
export type Contact = z.infer<typeof Contact>;

export const ListContactResponse = z.object({
  RequestId: z.string(),
  TotalCount: absentIfNull(z.number().int().nonnegative()),
  ContactList: absentIfNull(z.array(Contact)).transform((v) => v ?? []),
});

const optionalCount = absentIfNull(z.number().int().nonnegative());
/** Deployment times are strings of epoch ms in responses. */
const msString = absentIfNull(z.union([z.string(), z.number()]).transform(Number));
/** A resource field that may be a number or a string (IDs of products, ports). */
const looseText = absentIfNull(z.union([z.string(), z.number()]).transform(String));

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

/** The paged lists of the deployment API: `Data[]` and `Total` (not TotalCount). */
const dataPage = <T extends z.ZodType>(item: T) =>
  z.object({
    RequestId: z.string(),
    Total: optionalCount,
    CurrentPage: optionalCount,
    ShowSize: optionalCount,
    Data: absentIfNull(z.array(item)).transform((v) => v ?? []),
  });

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
