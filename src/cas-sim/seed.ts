import { z } from 'zod';
import { DeployBehaviour, SeedResource } from './deployment-model.ts';
import { SeedSubscription, SubscriptionBehaviour } from './subscription-model.ts';

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

/**
 * How the simulator answers the questions Alibaba's documentation leaves open (reference §7, §9). The defaults are
 * the strict reading: a renewed order waits for its application, the instance API accepts it, and the new order is
 * listed with its domain and the time of the renewal.
 */
export const RenewalBehaviour = z.object({
  /** `required`: the new order stays `payed` (instance `inactive`) until its application is submitted. */
  application: z.enum(['required', 'not_required']).default('required'),
  /**
   * How the instance calls treat a renew-created instance: accept it, or refuse it as the real service might in
   * some accounts (`not_found`: `NotFound`; `no_permission`: `Forbidden.NoPermission`; `no_action`: the site
   * lacks the calls, `InvalidAction.NotFound`).
   */
  instanceApi: z.enum(['ok', 'not_found', 'no_permission', 'no_action']).default('ok'),
  /**
   * How ListUserCertificateOrder shows a renewal's new order: `inherit` (the old order's domain, bought now) or
   * `bare` (no domain until its application names one; the old order's buy date).
   */
  listing: z.enum(['inherit', 'bare']).default('inherit'),
  /**
   * Whether DescribeCertificateState(OrderId) follows the instance after its application (`true`), or keeps
   * answering `payed`, even once issued, unless refused (then GetInstanceDetail is the only authority).
   */
  describeFollowsInstance: z.boolean().default(true),
  /**
   * For how long after an application GetInstanceDetail still shows the instance `inactive` (reads that lag
   * behind writes, as the settle time before a reconcile assumes they may). @defaultValue 0
   */
  applyVisibleAfterMs: z.number().int().nonnegative().default(0),
});
export type RenewalBehaviour = z.input<typeof RenewalBehaviour>;

/** A CAS contact (the people CAS notifies about an application). */
export const SeedContact = z.object({
  contactId: orderIdString,
  name: z.string().default('Platform team'),
  email: z.string().default('platform@example.com'),
});

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
  /** Cloud resources (CDN, SLB, …) and the certificate each serves now. */
  resources: z.array(SeedResource).default([]),
  /** Answers to the deployment API's open questions (see {@link DeployBehaviour}). */
  deployApi: DeployBehaviour.default({
    cloudProductRequired: false,
    listJobKeyword: 'ignore',
    rollbackAgain: 'allow',
  }),
  /** CAS contacts; an application needs at least one. */
  contacts: z.array(SeedContact).default([]),
  /** Answers to the open questions (see {@link RenewalBehaviour}). */
  renewal: RenewalBehaviour.default({
    application: 'required',
    instanceApi: 'ok',
    listing: 'inherit',
    describeFollowsInstance: true,
    applyVisibleAfterMs: 0,
  }),
  /** CAS V2.0 subscription instances (ListInstances; not listed by ListUserCertificateOrder). */
  subscriptions: z.array(SeedSubscription).default([]),
  /** Timings and quotas of the V2.0 calls (see {@link SubscriptionBehaviour}). */
  subscriptionApi: SubscriptionBehaviour.prefault({}),
  /** Script of orders created by renewals, unless the renewed order names its own. */
  renewScript: z.array(ScriptStep).min(1).optional(),
  /** Largest `ShowSize` a list call accepts; above it, `InvalidParameter` (50 is the documented page size). */
  maxShowSize: z.number().int().positive().default(50),
  /** Per-account calls per second per action; `ListUserCertificateOrder` is 10 as documented. */
  qps: z.record(z.string(), z.number().positive()).default({ ListUserCertificateOrder: 10 }),
});
export type SimSeed = z.input<typeof SimSeed>;
/** A seed after parsing: every default filled in. */
export type ParsedSimSeed = z.output<typeof SimSeed>;
