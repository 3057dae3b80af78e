import { z } from 'zod';
import type { SimApplication } from './order-book.ts';

const idDigits = z
  .union([z.string().regex(/^[0-9]{1,19}$/), z.number().int().nonnegative()])
  .transform(String);

/** A certificate a subscription issued before the simulation starts (times epoch ms). */
export const SeedSubscriptionCertificate = z.object({
  certificateId: idDigits.optional(),
  notBefore: z.number().int(),
  notAfter: z.number().int(),
  /** When it was revoked (CertificateStatus `revoked` from then on); never when absent. */
  revokedAt: z.number().int().optional(),
});

/** What the next application of a subscription ends with (GetTaskAttribute). */
export const ApplyOutcome = z.object({
  task: z.enum(['success', 'failed']),
  /** TaskMessage of a failed task. @defaultValue a generic CA refusal */
  message: z.string().optional(),
});
export type ApplyOutcome = z.infer<typeof ApplyOutcome>;

/**
 * A CAS V2.0 subscription instance as seeded (reference §10): bought, maybe with certificates already issued.
 * Its status follows from these facts and the simulator's clock.
 */
export const SeedSubscription = z.object({
  instanceId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/),
  domain: z.string().min(1),
  instanceType: z.enum(['BUY', 'TEST']).default('BUY'),
  certificateType: z.enum(['DV', 'OV', 'EV']).default('DV'),
  brand: z.string().default('DigiCert'),
  spec: z.string().default('ss.dv.t'),
  keyAlgorithm: z.enum(['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_256', 'SM2']).default('RSA_2048'),
  certificateName: z.string().optional(),
  resourceGroupId: z.string().default('rg-sim-default'),
  /** The subscription's purchase (OrderStartTime / OrderEndTime); the end defaults to a year after the start. */
  orderStartTime: z.number().int().optional(),
  orderEndTime: z.number().int().optional(),
  /** CAS hosting (`AutoReissue=enable`): CAS applies by itself when the certificate has < 30 days left. */
  autoReissue: z.boolean().default(false),
  /** Refunded or closed by CAS (these do not follow from time). */
  ended: z.enum(['refund', 'closed']).optional(),
  /** Certificates issued so far, oldest first; the last is the instance's latest. */
  certificates: z.array(SeedSubscriptionCertificate).default([]),
  /** An application submitted at this time (epoch ms) and still under way. */
  appliedAt: z.number().int().optional(),
  /** How the next applications end, in order; afterwards they succeed. */
  applyOutcomes: z.array(ApplyOutcome).default([]),
});
export type SeedSubscription = z.input<typeof SeedSubscription>;

/** How long V2 work takes on the simulator's clock, and the account's quotas (GetInstanceSummary). */
export const SubscriptionBehaviour = z.object({
  /** An application's task answers `processing` this long after ApplyCertificate. @defaultValue 5 s */
  taskMs: z.number().int().nonnegative().default(5_000),
  /** After a successful task, the CA issues this much later (DCV and review). @defaultValue 2 min */
  issueMs: z.number().int().nonnegative().default(120_000),
  /** A withdrawal (CancelPendingCertificate) settles this much later. @defaultValue 3 s */
  cancelMs: z.number().int().nonnegative().default(3_000),
  /** Remaining certificate quota (GetInstanceSummary.CertificateCount). */
  certificateCount: z.number().int().nonnegative().default(10),
  /** Remaining hosting quota (AutoReissueCount); each hosted rotation uses one. */
  autoReissueCount: z.number().int().nonnegative().default(10),
  /** ListInstances/ListCertificates answer at most this many rows a page (documented maximum: 100). */
  pageCap: z.number().int().positive().max(100).default(100),
});
export type SubscriptionBehaviour = z.input<typeof SubscriptionBehaviour>;

/** One certificate of a subscription inside the simulator. */
export interface SimSubscriptionCertificate {
  certificateId: string;
  notBefore: number;
  notAfter: number;
  revokedAt: number | undefined;
}

/** One application of a subscription (by API or by CAS hosting) and how it ended. */
export interface SimAttempt {
  appliedAt: number;
  by: 'api' | 'hosting';
  outcome: ApplyOutcome;
  cancelRequestedAt: number | undefined;
  /** How and when it ended; undefined while under way. */
  settled: { how: 'issued' | 'failed' | 'cancelled'; at: number } | undefined;
}

/** A subscription instance inside the simulator. */
export interface SimSubscription
  extends Omit<z.output<typeof SeedSubscription>, 'certificates' | 'appliedAt' | 'applyOutcomes'> {
  orderStartTime: number;
  orderEndTime: number;
  certificates: SimSubscriptionCertificate[];
  application: SimApplication | undefined;
  /** Every application, oldest first; the last may be under way. */
  attempts: SimAttempt[];
  /** How the next applications end (consumed in order). */
  outcomes: ApplyOutcome[];
}

/** One day, milliseconds. */
export const dayMs = 24 * 60 * 60 * 1000;

/** Longest validity a public TLS certificate issued at `at` may have (CA/B Forum SC-081, reference §10). */
export function maxValidityMs(at: number): number {
  if (at < Date.UTC(2026, 2, 15)) return 398 * dayMs;
  if (at < Date.UTC(2027, 2, 15)) return 200 * dayMs;
  if (at < Date.UTC(2029, 2, 15)) return 100 * dayMs;
  return 47 * dayMs;
}
