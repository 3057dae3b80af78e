/**
 * Response schemas of the CAS V2.0 subscription calls (reference §10), field by field from the official SDK's
 * models (`@alicloud/cas20200407` 3.2.13, cas-20200407/src/models/*ResponseBody.ts). Fields the bot does not read
 * (Csr, Tags, DingGroupList, UsingProductList of ListCertificates) are left out.
 */
import { z } from 'zod';
import {
  absentIfNull,
  listOf,
  optionalCount,
  optionalId,
  optionalText,
  optionalTexts,
  totalCountPage,
} from './schema-fields.ts';

/**
 * An instant the SDK documents as "a UNIX timestamp accurate to seconds" while its examples are milliseconds
 * (`1801324800000`): read as epoch milliseconds either way (below 10^11 it can only be seconds).
 */
export const instantMs = absentIfNull(z.number().nonnegative()).transform((v) =>
  v === undefined ? undefined : v < 1e11 ? v * 1000 : v,
);

/** The fields ListInstances rows and GetInstanceDetail share (ListInstancesResponseBodyInstanceList). */
export const instanceFields = {
  InstanceId: absentIfNull(z.union([z.string(), z.number()]).transform(String)),
  /** `BUY` or `TEST`. */
  InstanceType: optionalText,
  /** `inactive`, `pending`, `normal`, `willExpire`, `expired`, `refund`, `closed` (the subscription). */
  Status: optionalText,
  /** `issued`, `revoked`, `willExpire`, `expired` (the latest certificate). */
  CertificateStatus: optionalText,
  CertificateId: optionalId,
  /** `<CertificateId>-cn-hangzhou` or `<CertificateId>-ap-southeast-1`. */
  CertIdentifier: optionalText,
  CertificateName: optionalText,
  CertificateType: optionalText,
  Brand: optionalText,
  Spec: optionalText,
  Domain: optionalText,
  /** The latest certificate's validity. */
  CertificateNotBefore: instantMs,
  CertificateNotAfter: instantMs,
  CertificateRevokeTime: instantMs,
  InstanceStartTime: instantMs,
  InstanceEndTime: instantMs,
  /** The subscription's purchase: its end is when the money runs out. */
  OrderStartTime: instantMs,
  OrderEndTime: instantMs,
  /** `enable` (CAS hosting rotates the certificate) or `disable`. */
  AutoReissue: optionalText,
  KeyAlgorithm: optionalText,
  /** The CA's last message. */
  PendingResult: optionalText,
  ResourceGroupId: optionalText,
  FullDomainCount: optionalCount,
  WildcardDomainCount: optionalCount,
};

/** One `InstanceList` row of ListInstances. */
export const InstanceRow = z.object({
  ...instanceFields,
  /** The domains of the latest issued certificate. */
  CertificateDomain: optionalText,
  /** The cloud products the latest certificate is deployed to. */
  UsingProductList: absentIfNull(z.array(z.string())).transform((v) => v ?? []),
});
export type InstanceRow = z.infer<typeof InstanceRow>;

/** A page of ListInstances (`InstanceList`, `TotalCount`: not the deployment lists' `Data`/`Total`). */
export const ListInstancesResponse = totalCountPage('InstanceList', InstanceRow, optionalCount);
export type ListInstancesResponse = z.infer<typeof ListInstancesResponse>;

/** One `CertificateList` row of ListCertificates; its CertificateId is a string in the SDK model. */
export const CertificateRow = z.object({
  CertificateId: optionalId,
  InstanceId: absentIfNull(z.union([z.string(), z.number()]).transform(String)),
  // CertificateSource: `BUY`, `TEST` or `UPLOAD`; CertificateStatus: `issued`, `revoked`, `willExpire`, `expired`.
  ...optionalTexts(
    'CertIdentifier',
    'CertificateName',
    'CertificateSource',
    'CertificateStatus',
    'CommonName',
    'Domain',
    'Issuer',
    'Algorithm',
    'FingerPrint',
    'Serial',
  ),
  SubjectAlternativeNames: listOf(z.string()),
  KeySize: optionalCount,
  ExistPrivateKey: absentIfNull(z.boolean()),
  NotBefore: instantMs,
  NotAfter: instantMs,
});
export type CertificateRow = z.infer<typeof CertificateRow>;

export const ListCertificatesResponse = totalCountPage('CertificateList', CertificateRow, optionalCount);
export type ListCertificatesResponse = z.infer<typeof ListCertificatesResponse>;

/** GetInstanceSummary: instance counts and the quotas left. */
export const GetInstanceSummaryResponse = z.object({
  RequestId: z.string(),
  TotalCount: optionalCount,
  InactiveCount: optionalCount,
  WillExpireCount: optionalCount,
  /** Certificate quota left. */
  CertificateCount: optionalCount,
  /** Hosting (auto-reissue) quota left. */
  AutoReissueCount: optionalCount,
});
export type GetInstanceSummaryResponse = z.infer<typeof GetInstanceSummaryResponse>;

/** GetTaskAttribute: `processing`, `success` or `failed` (with TaskMessage); other values kept as given. */
export const GetTaskAttributeResponse = z.object({
  RequestId: z.string(),
  TaskStatus: z.string(),
  TaskMessage: optionalText,
});
export type GetTaskAttributeResponse = z.infer<typeof GetTaskAttributeResponse>;
