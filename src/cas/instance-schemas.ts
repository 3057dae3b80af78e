import { z } from 'zod';
import { absentIfNull, Int64Id, optionalId, optionalText, optionalTexts } from './schema-fields.ts';

/**
 * One domain-validation record of an instance (GetInstanceDetail). `ValidationType`: `TXT`, `HTTP` or `CNAME`;
 * `ValidationKey`: the DNS host record, or the HTTP path.
 */
export const InstanceValidation = z.object(
  optionalTexts(
    'Domain',
    'RootDomain',
    'ValidationType',
    'ValidationKey',
    'ValidationValue',
    'Cname',
    'CnameKey',
  ),
);
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
