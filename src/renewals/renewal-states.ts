import type { RenewalState } from './record.ts';
import { statesWhere as where } from './state-machine.ts';

/**
 * The worker step a run takes in a state; worker/renewal-processor.ts maps each to its function. Two depend on the
 * record besides its state: `application` (from `submitted`: apply, or follow the order when a person applies by
 * hand) and `application_check` (from `applying`: settle an unanswered application, or follow the order once applied).
 */
export type WorkerStep = 'submit' | 'reconcile' | 'application' | 'application_check' | 'poll';

/** Where a request stands, in one word (a card says it of an earlier renewal). */
export type Phase =
  | 'deciding'
  | 'declined'
  | 'renewing'
  | 'renewed'
  | 'order_failed'
  | 'waiting_for_person'
  | 'closed_by_person';

/** What a state is, besides its name. */
export interface StateAttributes {
  readonly phase: Phase;
  /** Holds its order (the open-order index): no other request of the order opens, and alerts about it pause. */
  readonly holdsOrder?: true;
  /** In the pending-approvals set: a person decides it (the sweeper schedules its expiry). */
  readonly pending?: true;
  /**
   * The worker owns it (the active set: the sweeper enqueues it when it has no job) to renew the order (a person
   * is needed when that goes wrong). Installing the renewed certificate is its deployment's (deploy-transitions.ts).
   */
  readonly worker?: 'renewal';
  /** The step a worker run takes in it. */
  readonly step?: WorkerStep;
  /** Nobody can act on the request any more. */
  readonly finished?: true;
  /** A holder of the renew lease in this state holds it (in any other state it holds nothing: renew-lease.ts). */
  readonly holdsLease?: true;
}

const renewing = { phase: 'renewing', holdsOrder: true, worker: 'renewal' } as const;

/** Every state's attributes (DESIGN.md's state machine); the order is record.ts's. */
export const stateAttributes = {
  requested: { phase: 'deciding', holdsOrder: true, pending: true },
  approved: { ...renewing, step: 'submit' },
  rejected: { phase: 'declined', finished: true },
  expired: { phase: 'declined', finished: true },
  cancelled: { phase: 'declined', finished: true },
  submitting: { ...renewing, step: 'reconcile', holdsLease: true },
  submitted: { ...renewing, step: 'application' },
  applying: { ...renewing, step: 'application_check' },
  validating: { ...renewing, step: 'poll' },
  reviewing: { ...renewing, step: 'poll' },
  issued: { phase: 'renewed', finished: true },
  failed: { phase: 'order_failed', finished: true },
  needs_attention: { phase: 'waiting_for_person' },
  resolved: { phase: 'closed_by_person', finished: true },
} as const satisfies Record<RenewalState, StateAttributes>;

const of = (state: RenewalState): StateAttributes => stateAttributes[state];

/** The states whose attributes pass `test`. */
export const statesWhere = (test: (a: StateAttributes) => boolean): RenewalState[] =>
  where<RenewalState, StateAttributes>(stateAttributes, test);

/** The state a new request starts in. */
export const initialState = 'requested' satisfies RenewalState;

type Stateful = { readonly state: RenewalState };

/** Whether the request holds its order: while it does, no other request for the order opens. */
export const holdsOrder = (r: Stateful): boolean => of(r.state).holdsOrder === true;
/** Whether nobody can act on the request any more. */
export const isFinished = (r: Stateful): boolean => of(r.state).finished === true;
/** Whether the request waits for a decision (the pending-approvals set). */
export const awaitsDecision = (r: Stateful): boolean => of(r.state).pending === true;
/** Whether the worker owns the request (the active set the sweeper watches). */
export const isWorkerOwned = (r: Stateful): boolean => of(r.state).worker !== undefined;
/** Whether the worker is renewing the order (it holds the order; a person is needed when it goes wrong). */
export const isRenewing = (r: Stateful): boolean => of(r.state).worker === 'renewal';
/** The worker step the request's state calls for, if the worker owns it. */
export const stepOf = (r: Stateful): WorkerStep | undefined => of(r.state).step;
/** Where the request stands, in one word. */
export const phaseOf = (r: Stateful): Phase => of(r.state).phase;
/** Whether a person approved the request at some point (it is past its decision, and was not declined). */
export const passedApproval = (r: Stateful): boolean =>
  phaseOf(r) !== 'deciding' && phaseOf(r) !== 'declined';

/**
 * Whether a request renewed its order: it reached `issued` (whatever its deployment did since), or a person
 * closed it as renewed in the CAS console (`resolved` with `resolution: renewed`).
 */
export function isRenewed(record: Stateful & { readonly resolution?: string | undefined }): boolean {
  const phase = phaseOf(record);
  return phase === 'renewed' || (phase === 'closed_by_person' && record.resolution === 'renewed');
}

/** The states a request ends unconfirmed in: a person must check CAS (needs attention, or closed by a person). */
const unconfirmed = statesWhere((a) => a.phase === 'waiting_for_person' || a.phase === 'closed_by_person');
type UnconfirmedState = 'needs_attention' | 'resolved';

/** Whether the request ended unconfirmed: whoever approves the order's next request must check CAS first. */
export function endedUnconfirmed<T extends Stateful>(r: T): r is T & { state: UnconfirmedState } {
  return unconfirmed.includes(r.state);
}
