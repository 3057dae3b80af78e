import { z } from 'zod';
import { CsrSummary } from '../csr/csr-summary.ts';
import { ApplicationPlan } from './application.ts';
import { json, optionalNumber } from './hash-fields.ts';
import type { AttentionReason } from './thread-events.ts';

/**
 * Every state a renewal request can be in (DESIGN.md's state machine). What each state is (holds its order, owned
 * by the worker, finished, …) is in renewal-states.ts; the moves between them in transitions.ts.
 */
export const renewalStates = [
  'requested',
  'approved',
  'rejected',
  'expired',
  'cancelled',
  'submitting',
  'submitted',
  'applying',
  'validating',
  'reviewing',
  'issued',
  'failed',
  'needs_attention',
  'resolved',
] as const;
export type RenewalState = (typeof renewalStates)[number];

/** What a new request's card says about the order's previous request that needed a person. */
export const PreviousRequest = z.object({
  id: z.string(),
  state: z.enum(['needs_attention', 'resolved']),
  channelId: z.string(),
  messageTs: z.string().optional(),
  resolution: z.enum(['renewed', 'not_renewed']).optional(),
  resolvedBy: z.string().optional(),
  newOrderId: z.string().optional(),
  /** Its thread's permalink, as Slack gave it when this request's card was posted. */
  permalink: z.string().optional(),
});
export type PreviousRequest = z.infer<typeof PreviousRequest>;
/**
 * An earlier renewal of the order, within the last 90 days, that the card of a new request shows first: one of ours
 * (its thread is linked), a newer order of the same domain that CAS lists (renewed in the console, or by another
 * tool), or that CAS could not be asked.
 */
export const EarlierRenewal = z.discriminatedUnion('source', [
  z.object({
    source: z.literal('ours'),
    requestId: z.string(),
    state: z.enum(renewalStates),
    newOrderId: z.string(),
    /** When the paid call was confirmed (or the request closed as renewed), epoch ms. */
    at: z.number(),
    decidedBy: z.string().optional(),
    resolvedBy: z.string().optional(),
    channelId: z.string(),
    messageTs: z.string().optional(),
    /** Its thread's permalink, as Slack gave it when this request's card was posted. */
    permalink: z.string().optional(),
  }),
  z.object({
    source: z.literal('cas'),
    newOrderId: z.string(),
    /** The newer order's CAS status (`PAYED`, `CHECKING`, `ISSUED`): raw CAS text, escaped where rendered. */
    status: z.string(),
    /** When it was bought (`BuyDate`), epoch ms. */
    at: z.number(),
  }),
  z.object({ source: z.literal('unchecked'), reason: z.string() }),
]);
export type EarlierRenewal = z.infer<typeof EarlierRenewal>;

/** A renewal request as stored in its Redis hash (all values are strings there). */
export const RenewalRecord = z.object({
  id: z.string(),
  /**
   * What the request is about, and the key of its open-request index: a V1 plan order's ID (digits), or for a
   * rotation the V2 subscription instance's ID.
   */
  orderId: z.string().regex(/^(?:[0-9]{1,19}|cas[-_][A-Za-z0-9_.:-]{1,124})$/),
  /**
   * `renewal`: a V1 plan order is renewed (the paid call, plan quota spent). `rotation`: a V2 subscription
   * instance applies for its next certificate (no paid call, no plan quota). Records older than rotations have none.
   */
  kind: z.enum(['renewal', 'rotation']).default('renewal'),
  state: z.enum(renewalStates),
  version: z.coerce.number().int(),
  teamId: z.string().optional(),
  channelId: z.string(),
  /**
   * The Alibaba account (CERT_ACCOUNTS name) the request acts in, bound at creation from its channel: the order is
   * looked up, and the worker acts, in this account only. Absent on requests made without an accounts file.
   */
  account: z.string().optional(),
  /** The approval card's `ts`, once posted; its thread holds the whole story. */
  messageTs: z.string().optional(),
  requestedBy: z.string(),
  requestedAt: z.coerce.number(),
  /**
   * Who approved so far, in order (distinct; written only by the approval rows' Lua: store-scripts.ts). Stored as
   * comma-separated user IDs; absent before the first approval.
   */
  approvals: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',') : [])),
  /** Distinct approvers approving needs, as the request was opened or last approved (the card shows it). */
  approvalsRequired: optionalNumber,
  /**
   * The versions a decision still applies to: moves that change nothing a decision is about (an approval counted, a
   * reminder) keep what a person saw at `seenFrom` valid while the record is at `seenTo` (store-scripts.ts).
   */
  seenFrom: optionalNumber,
  seenTo: optionalNumber,
  /** The last reminder posted while the request waited (each is posted once: reminders.ts). */
  reminded: z.enum(['half', 'last']).optional(),
  /** Epoch ms after which an undecided request expires. */
  expiresAt: z.coerce.number(),
  updatedAt: optionalNumber,
  domain: z.string().optional(),
  productName: z.string().optional(),
  productCode: z.string().optional(),
  certEndTime: optionalNumber,
  /** The order's `BuyDate` and `CertStartTime` (epoch ms): a CAS order newer than these renewed it (recent-renewal.ts). */
  buyDate: optionalNumber,
  certStartTime: optionalNumber,
  quotaRemaining: optionalNumber,
  csrPem: z.string().optional(),
  csrSummary: json(CsrSummary),
  decidedBy: z.string().optional(),
  decidedAt: optionalNumber,
  /** Reject reason, or why the request was cancelled. */
  reason: z.string().optional(),
  /** Worker fields (issue 4). */
  intentId: z.string().optional(),
  submittingAt: optionalNumber,
  newOrderId: z.string().optional(),
  /** What is applied for the new order (decided before approval); absent when the application is manual. */
  application: json(ApplicationPlan),
  /** Order IDs pending application (`PAYED`) before the paid call: a reconcile only considers orders not among them. */
  payedBefore: json(z.array(z.string())),
  /** The renew lease scope the paid call holds while unresolved (`*` the account, `d:<domain>`; renew-lease.ts). */
  leaseScope: z.string().optional(),
  /** The lease's `unresolved` count when the call was claimed: a higher one later means a holder gave up since. */
  leaseEpoch: optionalNumber,
  /** The new order's certificate instance (from ListUserCertificateOrder); a rotation's own instance. */
  instanceId: z.string().optional(),
  /** A rotation's certificate before it (GetInstanceDetail.CertificateId): issued means a different one. */
  certIdBefore: z.string().optional(),
  /** A rotation's current certificate's not-before (epoch ms): the card's share of its lifetime left. */
  certNotBefore: optionalNumber,
  /** A rotation's subscription end (GetInstanceDetail.OrderEndTime, epoch ms). */
  subscriptionEnd: optionalNumber,
  /** `manual` once the bot gave console instructions instead of applying (the instance API refused, or CERT_APPLY). */
  applyMode: z.enum(['manual']).optional(),
  /** When ApplyCertificate was claimed (epoch ms); its outcome is settled from GetInstanceDetail after a crash. */
  applyingAt: optionalNumber,
  /** When CAS confirmed the application (ApplyCertificate answered, or the instance left `inactive`). */
  appliedAt: optionalNumber,
  /** The old order's certificate instance (from the order listing when the request opened). */
  oldInstanceId: z.string().optional(),
  /** The new certificate's ID, once issued. */
  newCertId: z.string().optional(),
  /** SHA-256 fingerprint of the new certificate (the issued event's summary). */
  newCertSha256: z.string().optional(),
  /** When the paid call was confirmed (epoch ms); the polling deadline counts from here. */
  submittedAt: optionalNumber,
  /** The last DescribeCertificateState `Type` seen. */
  casState: z.string().optional(),
  /** The validation instructions last posted (so they are posted again only when they change). */
  validationKey: z.string().optional(),
  /** Why the request failed (plain text, e.g. the CAS code and message). */
  detail: z.string().optional(),
  /** Why the request needs attention, as data (rendered by the Slack layer). */
  attention: json(z.custom<AttentionReason>((v) => typeof v === 'object' && v !== null && 'code' in v)),
  /** The order's previous request, when it needed attention: the approver of this one must check CAS first. */
  previous: json(PreviousRequest),
  /** An earlier renewal of the order (or that CAS could not be asked): the card says so first. */
  renewedBefore: json(EarlierRenewal),
  /** How a person closed a request that needed attention: `renewed` (as `newOrderId`) or `not_renewed`. */
  resolution: z.enum(['renewed', 'not_renewed']).optional(),
  resolvedBy: z.string().optional(),
  resolvedAt: optionalNumber,
  /** Worker runs in a row that ended in an unexpected error (reset by a run that completes). */
  failures: optionalNumber,
  /** The last unexpected error of a worker run (a message, never a secret). */
  lastError: z.string().optional(),
});
export type RenewalRecord = z.infer<typeof RenewalRecord>;

/** One entry of a request's audit trail. */
export const AuditEntry = z.object({
  at: z.number(),
  actor: z.string(),
  action: z.string(),
  from: z.string().optional(),
  to: z.string().optional(),
  detail: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** The flag a refusal, an answer or a thread event of a V2 rotation carries, for its wording (none for a renewal). */
export const rotationFlag = (record: Pick<RenewalRecord, 'kind'> | undefined) =>
  record?.kind === 'rotation' ? { rotation: true as const } : {};
