import type { RenewalState } from './record.ts';

/**
 * One row per move of a renewal request: where it may come from, where it goes, and what the move does besides.
 * The store applies a row in one Lua script, so every effect happens together with the state change or not at
 * all. Call sites name a row; they never list states.
 */
export interface TransitionRow {
  /** States the move is allowed from (compare-and-set: any other state is a conflict). */
  readonly from: readonly RenewalState[];
  readonly to: RenewalState;
  /** Frees the order for a new request (the open-order index is removed if it still names this request). */
  readonly release?: true;
  /** Takes the order again; the move is refused (`order_taken`) when another request holds it meanwhile. */
  readonly reclaimOrder?: true;
  /** Starts the retention clock of the record and of every key written for it (a reclaim stops it). */
  readonly retain?: true;
  /** Counted in `certbot_renewals_total{outcome=<to>}` (or the outcome named here). */
  readonly count?: true | RenewalState;
  /**
   * Claims the `newOrderId` given with the move for this request; refused (`order_claimed`) when another request
   * already has it, so no request ever follows an order that another one created.
   */
  readonly claimNewOrder?: true;
  /**
   * The account's lease on unresolved paid calls (DESIGN: calls a reconciliation could confuse are never
   * unresolved at the same time). `take` holds a scope (one domain, or the whole account when listings may omit
   * the domain) and is refused (`lease_held`) while another request in `submitting` holds an overlapping one;
   * `release` gives back what this request holds; `release_unresolved` also marks every listing taken before now as
   * stale for a new claim (this request's new order, if CAS made one, is claimed by nobody).
   */
  readonly renewLease?: 'take' | 'release' | 'release_unresolved';
  /** Returns only once Redis has the write on disk: the paid call follows this move. */
  readonly durable?: true;
  /** What the caller must schedule after the move (the renewal job). */
  readonly schedule?: 'renewal';
}

const pollStates = ['submitted', 'applying', 'validating', 'reviewing'] as const;
const workerStates = ['approved', 'submitting', ...pollStates] as const;
const ends = { release: true, retain: true, count: true } as const;

/** Every move a renewal request can make. The audit trail records each by its name. */
export const transitions = {
  // Decisions on the approval card.
  approved: { from: ['requested'], to: 'approved', schedule: 'renewal' },
  rejected: { from: ['requested'], to: 'rejected', ...ends },
  expired: { from: ['requested'], to: 'expired', ...ends },
  csr_attached: { from: ['requested'], to: 'requested' },
  /** Approve found (in CAS, at the click) an earlier renewal the card did not show: the card now shows it. */
  earlier_renewal_found: { from: ['requested'], to: 'requested' },
  /** The process that opened the request died before its card was posted. */
  abandoned: { from: ['requested'], to: 'cancelled', ...ends },
  card_not_posted: { from: ['requested'], to: 'cancelled', ...ends },

  // The paid call (worker): claim, then exactly one outcome.
  submitting: { from: ['approved'], to: 'submitting', durable: true, renewLease: 'take' },
  submitted: { from: ['submitting'], to: 'submitted', claimNewOrder: true, renewLease: 'release' },
  not_executed: { from: ['submitting'], to: 'approved', renewLease: 'release' },
  outcome_unknown: { from: ['submitting'], to: 'submitting' },
  /** A reconcile holds the lease while it looks (after a recheck, the request holds none yet). */
  reconciling: { from: ['submitting'], to: 'submitting', renewLease: 'take' },
  reconciled: { from: ['submitting'], to: 'submitted', claimNewOrder: true, renewLease: 'release' },
  refused: { from: ['submitting'], to: 'failed', ...ends, renewLease: 'release' },

  // The new order's application (worker): found its instance, then claim, then exactly one ApplyCertificate.
  instance_found: { from: ['submitted'], to: 'submitted' },
  /**
   * The instance API refused (or CERT_APPLY=manual): a person applies in the console; polling goes on. Also from
   * `applying`: UpdateInstance is sent after the claim, and may be the call refused.
   */
  apply_by_hand: { from: ['submitted', 'applying'], to: 'submitted' },
  applying: { from: ['submitted'], to: 'applying', durable: true },
  /** CAS confirmed the application, or the instance shows one (applied by hand, or a lost answer). */
  applied: { from: ['submitted', 'applying'], to: 'applying' },
  apply_not_executed: { from: ['submitted', 'applying'], to: 'submitted' },
  apply_outcome_unknown: { from: ['applying'], to: 'applying' },

  // Following the new order (worker).
  pending_application: { from: pollStates, to: 'submitted' },
  domain_validation: { from: pollStates, to: 'validating' },
  ca_review: { from: pollStates, to: 'reviewing' },
  /** The certificate is issued: the renewal is over (its deployment, if any, is a record of its own). */
  issued: { from: pollStates, to: 'issued', ...ends },
  review_failed: { from: pollStates, to: 'failed', ...ends },

  // A person must decide. The order is released (a new request may open, alerts resume) until someone
  // checks CAS again (which takes the order back) or closes the request.
  needs_attention: { from: workerStates, to: 'needs_attention', ...ends, renewLease: 'release_unresolved' },
  recheck: { from: ['needs_attention'], to: 'submitting', reclaimOrder: true, schedule: 'renewal' },
  recheck_new_order: {
    from: ['needs_attention'],
    to: 'submitted',
    reclaimOrder: true,
    schedule: 'renewal',
  },
  resolved: { from: ['needs_attention'], to: 'resolved', retain: true, count: true },
  resolved_renewed: {
    from: ['needs_attention'],
    to: 'resolved',
    retain: true,
    count: true,
    claimNewOrder: true,
  },
} as const satisfies Record<string, TransitionRow>;

/** The name of a move. */
export type TransitionName = keyof typeof transitions;
