import { z } from 'zod';

/** One step of an order's script: the `Type` DescribeCertificateState answers, for `polls` calls. */
export const ScriptStep = z.object({
  type: z.enum(['payed', 'domain_verify', 'process', 'certificate', 'verify_fail', 'unknow', 'weird']),
  /** For `domain_verify`: which validation CAS asks for. @defaultValue DNS */
  validation: z.enum(['DNS', 'FILE']).default('DNS'),
  /** How many DescribeCertificateState calls answer this step before the next. @defaultValue 1 */
  polls: z.number().int().positive().default(1),
});
export type ScriptStep = z.infer<typeof ScriptStep>;

const orderIdString = z
  .union([z.string().regex(/^[0-9]{1,19}$/), z.number().int().nonnegative()])
  .transform(String);

/** An order as seeded (file or test). Times are epoch milliseconds. */
export const SeedOrder = z.object({
  orderId: orderIdString,
  domain: z.string().min(1),
  status: z.enum([
    'PAYED',
    'CHECKING',
    'CHECKED_FAIL',
    'ISSUED',
    'WILLEXPIRED',
    'EXPIRED',
    'NOTACTIVATED',
    'REVOKED',
  ]),
  orderType: z.enum(['CPACK', 'BUY']).default('CPACK'),
  productName: z.string().default('DigiCert DV SSL (plan)'),
  productCode: z.string().default('digicert-free-1-free'),
  certType: z.enum(['DV', 'OV', 'EV', 'FREE']).default('DV'),
  domainType: z.enum(['ONE', 'MULTIPLE', 'WILDCARD', 'M_WILDCARD', 'MIX']).default('ONE'),
  algorithm: z.string().default('RSA'),
  certStartTime: z.number().int().optional(),
  certEndTime: z.number().int().optional(),
  buyDate: z.number().int().optional(),
  instanceId: z.string().optional(),
  /** Script of this order's own DescribeCertificateState answers. @defaultValue [certificate] */
  script: z.array(ScriptStep).min(1).optional(),
  /** Script of the order a renewal of this order creates; else the simulator's default. */
  renewScript: z.array(ScriptStep).min(1).optional(),
});
export type SeedOrder = z.input<typeof SeedOrder>;

/** What the simulator starts with (also the JSON file `npm run cas-sim` reads). */
export const SimSeed = z.object({
  accessKeys: z
    .array(
      z.object({
        accessKeyId: z.string().min(1),
        accessKeySecret: z.string().min(1),
        securityToken: z.string().optional(),
      }),
    )
    .default([]),
  packages: z
    .array(
      z.object({
        productCode: z.string(),
        totalCount: z.number().int().nonnegative(),
        usedCount: z.number().int().nonnegative().default(0),
      }),
    )
    .default([]),
  orders: z.array(SeedOrder).default([]),
  /** Script of orders created by renewals, unless the renewed order names its own. */
  renewScript: z.array(ScriptStep).min(1).optional(),
  /** Per-account calls per second per action; `ListUserCertificateOrder` is 10 as documented. */
  qps: z.record(z.string(), z.number().positive()).default({ ListUserCertificateOrder: 10 }),
});
export type SimSeed = z.input<typeof SimSeed>;
