import { type GuardedRecord, type GuardName, moveGuards } from './move-guards.ts';
import type { RenewalState } from './record.ts';
import type { MoveApplying, MoveRow } from './record-moves.ts';
import { awaitsDecision, isWorkerOwned, stateAttributes, statesWhere } from './renewal-states.ts';
import { defineMachine, type Guards } from './state-machine.ts';

/**
 * One row per move of a renewal request: where it may come from, where it goes, and what the move does besides.
 * The store applies a row in one Lua script ({@link applying}), so every effect happens together with the state
 * change or not at all. Call sites name a row and ask {@link can}; they never list nor compare states. What a
 * state is (holds its order, worker-owned, finished, its worker step, …) is renewal-states.ts's attribute table.
 */
export interface TransitionRow extends Omit<MoveRow, 'from' | 'to' | 'count' | 'creates' | 'deployOutcome'> {
  readonly from: readonly RenewalState[];
  readonly to: RenewalState;
  /** Counted in `certbot_renewals_total{outcome=<to>}` (or the outcome named here). */
  readonly count?: true | RenewalState;
  /** What runs after the move (scheduled-move.ts enqueues it, and only it): see {@link Schedule}. */
  readonly schedule?: Schedule;
  /** Whether the move refreshes the approval card: every move does but those marked `false` (the store queues it). */
  readonly refreshCard?: false;
  /** What must also hold of the request for the move to be offered (move-guards.ts), checked by {@link can}. */
  readonly guard?: GuardName;
}

/**
 * The renewal job after a person's move: `renewal` enqueues it (a new request's first job), `renewal_again`
 * replaces a finished one (the worker gave the request up, and a person gives it back). A deployment's runs are
 * jobs of their own (deploy-transitions.ts).
 */
export type Schedule = 'renewal' | 'renewal_again';

const pollStates = ['submitted', 'applying', 'validating', 'reviewing'] as const;
/** Where the worker renews the order: a person is needed when that goes wrong. */
const renewalWorkerStates = statesWhere((a) => a.worker === 'renewal');
const ends = { release: true, retain: true, count: true } as const;

/** Every move a renewal request can make. The audit trail records each by its name. */
export const transitions = {
  // Decisions on the approval card. An approval short of the request's count is counted (distinct approvers);
  // the one that reaches it, and only that one, approves (both in the store's one script: store-scripts.ts).
  approved: {
    from: ['requested'],
    to: 'approved',
    schedule: 'renewal',
    approvals: 'quorum',
    guard: 'renewal_kind',
  },
  /**
   * A rotation's approval goes where the application step runs: no paid call, no plan quota, no renew lease
   * (DESIGN: a V2 rotation enters the machine at the application). It needs one approver (approval/decisions.ts).
   */
  rotation_approved: {
    from: ['requested'],
    to: 'submitted',
    schedule: 'renewal',
    approvals: 'quorum',
    guard: 'rotation_kind',
  },
  approval_counted: { from: ['requested'], to: 'requested', approvals: 'count', keepsSeen: true },
  /** A reminder of an undecided request was posted in its thread (each once: reminders.ts). */
  reminded: { from: ['requested'], to: 'requested', keepsSeen: true, guard: 'reminder_due' },
  rejected: { from: ['requested'], to: 'rejected', ...ends },
  expired: { from: ['requested'], to: 'expired', ...ends, guard: 'expiry_due' },
  csr_attached: { from: ['requested'], to: 'requested' },
  /** Approve found (in CAS, at the click) an earlier renewal the card did not show: the card now shows it. */
  earlier_renewal_found: { from: ['requested'], to: 'requested' },
  /** The process that opened the request died before its card was posted. */
  abandoned: {
    from: ['requested'],
    to: 'cancelled',
    ...ends,
    refreshCard: false,
    guard: 'card_never_posted',
  },
  card_not_posted: { from: ['requested'], to: 'cancelled', ...ends, refreshCard: false },

  // The paid call (worker): claim, then exactly one outcome.
  submitting: { from: ['approved'], to: 'submitting', durable: true, renewLease: 'take' },
  submitted: { from: ['submitting'], to: 'submitted', claimNewOrder: true, renewLease: 'release' },
  not_executed: { from: ['submitting'], to: 'approved', renewLease: 'release' },
  outcome_unknown: { from: ['submitting'], to: 'submitting', refreshCard: false },
  /** A reconcile holds the lease while it looks (after a recheck, the request holds none yet). */
  reconciling: { from: ['submitting'], to: 'submitting', renewLease: 'take', refreshCard: false },
  reconciled: { from: ['submitting'], to: 'submitted', claimNewOrder: true, renewLease: 'release' },
  refused: { from: ['submitting'], to: 'failed', ...ends, renewLease: 'release' },

  // The new order's application (worker): found its instance, then claim, then exactly one ApplyCertificate.
  instance_found: { from: ['submitted'], to: 'submitted', refreshCard: false },
  /**
   * The instance API refused (or CERT_APPLY=manual): a person applies in the console; polling goes on. Also from
   * `applying`: UpdateInstance is sent after the claim, and may be the call refused.
   */
  apply_by_hand: { from: ['submitted', 'applying'], to: 'submitted' },
  applying: { from: ['submitted'], to: 'applying', durable: true },
  /** CAS confirmed the application, or the instance shows one (applied by hand, or a lost answer). */
  applied: { from: ['submitted', 'applying'], to: 'applying' },
  apply_not_executed: { from: ['submitted', 'applying'], to: 'submitted' },
  apply_outcome_unknown: { from: ['applying'], to: 'applying', refreshCard: false },

  // Following the new order (worker).
  pending_application: { from: pollStates, to: 'submitted' },
  domain_validation: { from: pollStates, to: 'validating' },
  ca_review: { from: pollStates, to: 'reviewing' },
  /** The certificate is issued: the renewal is over (its deployment, if any, is a record of its own). */
  issued: { from: pollStates, to: 'issued', ...ends },
  review_failed: { from: pollStates, to: 'failed', ...ends },
  /** A rotation's application ended without a certificate: its task failed, or CAS refused ApplyCertificate. */
  application_failed: { from: pollStates, to: 'failed', ...ends },

  // A person must decide. The order is released (a new request may open, alerts resume) until someone
  // checks CAS again (which takes the order back) or closes the request.
  needs_attention: {
    from: renewalWorkerStates,
    to: 'needs_attention',
    ...ends,
    renewLease: 'release_unresolved',
  },
  recheck: { from: ['needs_attention'], to: 'submitting', reclaimOrder: true, schedule: 'renewal_again' },
  recheck_new_order: {
    from: ['needs_attention'],
    to: 'submitted',
    reclaimOrder: true,
    schedule: 'renewal_again',
  },
  /**
   * Check CAS again on a rotation: back to following its instance (the task, then the instance), never to a second
   * application; a new CertificateId is issued, anything else ends where CAS says.
   */
  recheck_rotation: {
    from: ['needs_attention'],
    to: 'validating',
    reclaimOrder: true,
    schedule: 'renewal_again',
    guard: 'rotation_kind',
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

/** The renewal state machine: the attribute table of its states and the table of its moves. */
export const renewalMachine = defineMachine(
  stateAttributes,
  transitions,
  moveGuards as Guards<GuardedRecord>,
);

/**
 * Whether the request may make `move` now: its state is one the row is allowed from, and the row's guard (if
 * any) holds at `now` (epoch ms). The store's compare-and-set decides again on the state when the move is made.
 */
export const can = (record: GuardedRecord, move: TransitionName, now?: number): boolean =>
  renewalMachine.can(record, move, now);

/** Whether the request is in a state `move` is allowed from, its guard aside (the card a person clicked is live). */
export const canFrom = (record: { readonly state: RenewalState }, move: TransitionName): boolean =>
  renewalMachine.canFrom(record, move);

/** Whether the request already is where `move` goes (making it again would change no state). */
export const isAt = (record: { readonly state: RenewalState }, move: TransitionName): boolean =>
  renewalMachine.isAt(record, move);

/**
 * What applying a move does: everything the store writes with it, in one Lua script (its flags: the row's effects,
 * the active set when `to` is in it, and `pending`/`leave_pending` when the move enters or leaves the pending set),
 * and what runs after it.
 */
export interface Applying extends MoveApplying {
  readonly row: TransitionRow;
  readonly from: readonly RenewalState[];
  readonly to: RenewalState;
  readonly schedule: Schedule | undefined;
}

/** What applying the named move means (the store applies it; scheduled-move.ts runs its schedule). */
export function applying(name: TransitionName): Applying {
  const row: TransitionRow = transitions[name];
  const target = { state: row.to };
  // The active and pending sets change only on a move into or out of them (a move within one writes nothing
  // there). Nothing reads the active set's scores (the sweeper requeues every member, in any order), so the score
  // is when the request entered it.
  const fromPending = row.from.filter((state) => awaitsDecision({ state }));
  const toPending = awaitsDecision(target);
  const fromActive = row.from.filter((state) => isWorkerOwned({ state }));
  const toActive = isWorkerOwned(target);
  const flags = [
    row.release && 'release',
    row.reclaimOrder && 'reclaim',
    row.retain && 'retain',
    row.claimNewOrder && 'claim',
    toActive && fromActive.length < row.from.length && 'active',
    !toActive && fromActive.length > 0 && 'leave_active',
    toPending && fromPending.length < row.from.length && 'pending',
    !toPending && fromPending.length > 0 && 'leave_pending',
    row.renewLease === 'take' ? 'lease_take' : row.renewLease && 'lease_release',
    row.renewLease === 'release_unresolved' && 'lease_unresolved',
    row.approvals && `approval_${row.approvals}`,
    row.keepsSeen && 'keeps_seen',
  ].filter((f): f is string => typeof f === 'string');
  return {
    row,
    from: row.from,
    to: row.to,
    flags,
    refreshCard: row.refreshCard !== false,
    schedule: row.schedule,
  };
}

/** The sets a request is in, in a state (any other it leaves): `active` (worker-owned), `pending` (a decision). */
export function entered(record: { readonly state: RenewalState }): Array<'active' | 'pending'> {
  return [
    ...(isWorkerOwned(record) ? (['active'] as const) : []),
    ...(awaitsDecision(record) ? (['pending'] as const) : []),
  ];
}

/** States in which a holder of the renew lease holds it (the Lua script drops a holder in any other). */
export const leaseHoldingStates = statesWhere((a) => a.holdsLease === true);
