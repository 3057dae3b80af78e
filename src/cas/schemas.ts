import { z } from 'zod';

/** An int64 ID as exact decimal digits (see int64-json.ts); numbers below 2^53 are accepted and kept exact. */
export const Int64Id = z
  .union([z.string(), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
  .transform(String)
  .pipe(z.string().regex(/^[0-9]{1,19}$/, 'must be 1-19 decimal digits'));

const optionalText = z.string().optional();
const epochMs = z.number().int().nonnegative();

/** `RenewCertificateOrderForPackageRequest` response: `OrderId` is the **new** order. */
export const RenewResponse = z.object({ OrderId: Int64Id, RequestId: z.string() });
export type RenewResponse = z.infer<typeof RenewResponse>;

/** The `Type` values DescribeCertificateState is documented to return (`unknow` is CAS's spelling). */
export const certificateStateTypes = [
  'payed',
  'domain_verify',
  'process',
  'verify_fail',
  'certificate',
  'unknow',
] as const;

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
  | { type: 'certificate'; requestId: string; certificatePem: string; casGeneratedKey: boolean }
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
      };
    default:
      return { type: 'other', requestId: r.RequestId, rawType: r.Type };
  }
});

/** One order of ListUserCertificateOrder (CPACK/BUY fields; CERT/UPLOAD fields are optional). */
export const CertificateOrder = z.object({
  OrderId: Int64Id.optional(),
  InstanceId: z.union([z.string(), z.number()]).transform(String).optional(),
  Domain: optionalText,
  Status: optionalText,
  ProductName: optionalText,
  ProductCode: optionalText,
  CertStartTime: epochMs.optional(),
  CertEndTime: epochMs.optional(),
  BuyDate: epochMs.optional(),
  CertType: optionalText,
  DomainType: optionalText,
  SourceType: optionalText,
  Algorithm: optionalText,
  AliyunOrderId: Int64Id.optional(),
  CertificateId: Int64Id.optional(),
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
  CertificateOrderList: z.array(CertificateOrder).default([]),
});
export type ListUserCertificateOrderResponse = z.infer<typeof ListUserCertificateOrderResponse>;

export const DescribePackageStateResponse = z.object({
  RequestId: z.string(),
  ProductCode: optionalText,
  TotalCount: z.number().int(),
  UsedCount: z.number().int(),
  IssuedCount: z.number().int().optional(),
});
export type DescribePackageStateResponse = z.infer<typeof DescribePackageStateResponse>;

/** CAS's error body. */
export const CasErrorResponse = z.object({
  Code: z.string(),
  Message: z.string().default(''),
  RequestId: z.string().optional(),
  HostId: z.string().optional(),
  Recommend: z.string().optional(),
});
