import type { TlsResult } from './deployment.ts';
import type { DeployState } from './deployment-record.ts';
import { allServingNew } from './move-guards.ts';
import type { MoveApplying } from './record-moves.ts';
import { defineMachine, statesWhere } from './state-machine.ts';

/** How a deployment ends, for `certbot_deployments_total`. */
export type DeployOutcome = 'verified' | 'not_serving' | 'unchecked' | 'not_created' | 'lost' | 'rolled_back';

/**
 * One row per move of a deployment, applied by the same store script as a request's rows (compare-and-set, the
 * audit entry in the request's trail, the outbox of the request's thread, the retention clock). A deployment holds
 * no order (the order was renewed), so its rows have none of the order's columns.
 */
export interface DeployRow {
  readonly from: readonly DeployState[];
  readonly to: DeployState;
  /** The move creates the record (or, from `from`, proposes it again before anyone saw it). */
  readonly creates?: true;
  /** Every move keeps the deployment, and its request, for the retention from now: they expire together. */
  readonly retain: true;
  /** Returns only once Redis has the write on disk: CreateDeploymentJob follows this move. */
  readonly durable?: true;
  /** What the caller must schedule after the move: the deployment's next worker run (its own job). */
  readonly schedule?: 'deployment';
  /** Counted in `certbot_deployments_total{outcome=<this>}`: how a deployment (or its re-check) ended. */
  readonly deployOutcome?: DeployOutcome;
  /** Whether the move refreshes the approval card: every move does but those marked `false` (the store queues it). */
  readonly refreshCard?: false;
  /** What must also hold of the deployment for the move to be offered ({@link deployGuards}). */
  readonly guard?: 'tls_not_all_new';
}

/** The worker step a deployment's run takes in a state (worker/deploy-run.ts maps each to its function). */
export type DeployStep = 'deploy_create' | 'deploy_reconcile' | 'deploy_follow' | 'tls_check' | 'rollback';

/** What a deployment's state is, besides its name: the step its worker run takes (the worker owns it then). */
export interface DeployStateAttributes {
  readonly step?: DeployStep;
}

/** Every deployment state's attributes. */
export const deployStateAttributes = {
  deploy_requested: {},
  deploy_approved: { step: 'deploy_create' },
  deploy_creating: { step: 'deploy_reconcile' },
  deploying: { step: 'deploy_follow' },
  verifying: { step: 'tls_check' },
  deployed: {},
  verified: {},
  rolling_back: { step: 'rollback' },
  not_deployed: {},
  skipped: {},
} as const satisfies Record<DeployState, DeployStateAttributes>;

/** The states in which the worker owns a deployment (the deploy-active set the sweeper watches). */
export const deployWorkerStates: ReadonlySet<DeployState> = new Set(
  statesWhere<DeployState, DeployStateAttributes>(deployStateAttributes, (a) => a.step !== undefined),
);

/** What a deployment's guards read of it, besides its state. */
interface GuardedDeployment {
  readonly state: DeployState;
  readonly tlsResults?: readonly TlsResult[] | undefined;
}

/** The named guards of the deployment's table. */
export const deployGuards = {
  /** The TLS check ran and did not find the new certificate everywhere: a person may run it again. */
  tls_not_all_new: (d: GuardedDeployment) => d.tlsResults !== undefined && !allServingNew(d.tlsResults),
};

const kept = { retain: true } as const;

/** Every move a deployment can make. The request's audit trail records each by its name. */
export const deployTransitions = {
  /** Issued, and the old certificate is served somewhere: the deployment card goes to the thread. */
  deployment_proposed: { from: ['deploy_requested'], to: 'deploy_requested', creates: true, ...kept },
  deploy_skipped: { from: ['deploy_requested'], to: 'skipped', ...kept },
  deploy_approved: { from: ['deploy_requested'], to: 'deploy_approved', ...kept, schedule: 'deployment' },
  deploy_creating: {
    from: ['deploy_approved'],
    to: 'deploy_creating',
    ...kept,
    durable: true,
    refreshCard: false,
  },
  deploy_not_executed: { from: ['deploy_creating'], to: 'deploy_approved', ...kept, refreshCard: false },
  /** The job exists (created, or found by its name after a crash): recorded before it is started. */
  deploy_job_created: { from: ['deploy_creating'], to: 'deploy_creating', ...kept, refreshCard: false },
  deploy_started: { from: ['deploy_creating'], to: 'deploying', ...kept },
  deploy_finished: { from: ['deploying'], to: 'verifying', ...kept },
  deploy_finished_unchecked: { from: ['deploying'], to: 'deployed', ...kept, deployOutcome: 'unchecked' },
  /** Every deployed endpoint serves the new certificate: the only way to `verified`. */
  tls_checked: { from: ['verifying'], to: 'verified', ...kept, deployOutcome: 'verified' },
  /** Some endpoint serves something else, or could not be checked: `deployed`, with what was seen. */
  tls_not_serving: { from: ['verifying'], to: 'deployed', ...kept, deployOutcome: 'not_serving' },
  /** Check again (a person, after `tls_not_serving`): the TLS check runs once more. */
  tls_recheck: {
    from: ['deployed'],
    to: 'verifying',
    ...kept,
    schedule: 'deployment',
    guard: 'tls_not_all_new',
  },
  rollback_requested: {
    from: ['deployed', 'verified'],
    to: 'rolling_back',
    ...kept,
    schedule: 'deployment',
  },
  rolled_back: { from: ['rolling_back'], to: 'deployed', ...kept, deployOutcome: 'rolled_back' },
  /** The job exists but could not be followed to its end: the thread says what to check in the console. */
  deploy_lost: {
    from: ['deploy_creating', 'deploying', 'verifying', 'rolling_back'],
    to: 'deployed',
    ...kept,
    deployOutcome: 'lost',
  },
  /** No job was created (refused, nothing to deploy, no contact, not found after a crash): never "Deployed". */
  deploy_not_created: {
    from: ['deploy_approved', 'deploy_creating'],
    to: 'not_deployed',
    ...kept,
    deployOutcome: 'not_created',
  },
} as const satisfies Record<string, DeployRow>;

/** The name of a deployment's move. */
export type DeployTransitionName = keyof typeof deployTransitions;

/** The deployment's state machine: the attributes of its states, its moves, its guards. */
export const deployMachine = defineMachine(deployStateAttributes, deployTransitions, deployGuards);

/** Whether the deployment may make `move` now: its state is one the row is allowed from, and its guard holds. */
export const canDeploy = (deployment: GuardedDeployment, move: DeployTransitionName): boolean =>
  deployMachine.can(deployment, move);

/** The worker step the deployment's state calls for, if the worker owns it. */
export const deployStepOf = (d: { readonly state: DeployState }): DeployStep | undefined =>
  (deployStateAttributes[d.state] as DeployStateAttributes).step;

/** What applying a deployment's move means (the store's one script applies it, as a request's). */
export function applyingDeploy(name: DeployTransitionName): MoveApplying {
  const row: DeployRow = deployTransitions[name];
  // The active set changes only on a move into or out of it, as a request's (transitions.ts).
  const fromActive = row.from.filter((state) => deployWorkerStates.has(state));
  const toActive = deployWorkerStates.has(row.to);
  const flags = [
    row.creates && 'create',
    'retain',
    toActive && (row.creates || fromActive.length < row.from.length) && 'active',
    !toActive && fromActive.length > 0 && 'leave_active',
  ].filter((f): f is string => typeof f === 'string');
  return { row, from: row.from, to: row.to, flags, refreshCard: row.refreshCard !== false };
}
