import { z } from 'zod';
import {
  absentIfNull,
  Int64Id,
  looseIdText,
  optionalEpochMs,
  optionalId,
  optionalText,
  totalCountPage,
} from './schema-fields.ts';

/** `RenewCertificateOrderForPackageRequest` response: `OrderId` is the **new** order. */
export const RenewResponse = z.object({ OrderId: Int64Id, RequestId: z.string() });
export type RenewResponse = z.infer<typeof RenewResponse>;

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

export const ListUserCertificateOrderResponse = totalCountPage(
  'CertificateOrderList',
  CertificateOrder,
  z.number().int().nonnegative(),
);
export type ListUserCertificateOrderResponse = z.infer<typeof ListUserCertificateOrderResponse>;

export const DescribePackageStateResponse = z.object({
  RequestId: z.string(),
  ProductCode: optionalText,
  TotalCount: z.number().int(),
  UsedCount: z.number().int(),
  IssuedCount: absentIfNull(z.number().int()),
});
export type DescribePackageStateResponse = z.infer<typeof DescribePackageStateResponse>;
