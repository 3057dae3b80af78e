import { z } from 'zod';

import { absentIfNull, Int64Id, optionalId, optionalText, optionalTexts } from './schema-fields.ts';
import { instanceFields } from './subscription-schemas.ts';

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

/**
 * `GetInstanceDetail`: a certificate instance and its application (flat body; SDK GetInstanceDetailResponseBody).
 * The same call reads the instance of a renewed V1 order and a V2.0 subscription.
 */
export const GetInstanceDetailResponse = z.object({
  RequestId: z.string(),
  ...instanceFields,
  /** Seconds a certificate of this spec usually takes (a string in the SDK model). */
  AverageWaitingTime: optionalText,
  /** `DNS` or `HTTP`. */
  ValidationMethod: optionalText,
  /** `online` (CAS made the key) or `upload`. */
  GenerateCsrMethod: optionalText,
  ContactIdList: absentIfNull(z.array(Int64Id)),
  CompanyId: optionalId,
  CountryCode: optionalText,
  Province: optionalText,
  City: optionalText,
  /** `none`, `payed`, `issued`. */
  UpgradeStatus: optionalText,
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
