import { describe, expect, it } from 'vitest';
import { type RenewalState, renewalStates } from '../../src/renewals/record.ts';
import {
  initialState,
  type StateAttributes,
  stateAttributes,
  statesWhere,
  stepOf,
} from '../../src/renewals/renewal-states.ts';
import {
  applying,
  can,
  canFrom,
  entered,
  isAt,
  type TransitionName,
  type TransitionRow,
  transitions,
} from '../../src/renewals/transitions.ts';

const rows = Object.entries(transitions) as Array<[string, TransitionRow]>;
const openStates = new Set(statesWhere((a) => a.holdsOrder === true));
const finishedStates = new Set(statesWhere((a) => a.finished === true));

import {
  applyingDeploy,
  canDeploy,
  type DeployRow,
  type DeployTransitionName,
  deployStepOf,
  deployTransitions,
  deployWorkerStates,
} from '../../src/renewals/deploy-transitions.ts';
import { deployStates } from '../../src/renewals/deployment-record.ts';

const deployRows = Object.entries(deployTransitions) as Array<[string, DeployRow]>;

describe('the transition table', () => {
  it.each(rows)('%s: leaving the open states releases the order, entering them takes it back', (_, row) => {
    const leavesOpen = row.from.some((s) => openStates.has(s)) && !openStates.has(row.to);
    const entersOpen = row.from.every((s) => !openStates.has(s)) && openStates.has(row.to);

    expect(Boolean(row.release)).toBe(leavesOpen);
    expect(Boolean(row.reclaimOrder)).toBe(entersOpen);
  });

  it.each(rows)(
    '%s: a state that is not open starts the retention clock; leaving the renewal is counted',
    (_, row) => {
      const leavesRenewal =
        !openStates.has(row.to) && row.from.some((s) => openStates.has(s) || s === 'needs_attention');
      expect(Boolean(row.retain)).toBe(!openStates.has(row.to));
      expect(Boolean(row.count)).toBe(leavesRenewal);
    },
  );

  it('has no dead end: every state that is not finished has a way out, and every state is reachable', () => {
    const exits = new Set(rows.flatMap(([, row]) => row.from.filter((s) => s !== row.to)));
    const reached = new Set(['requested', ...rows.map(([, row]) => row.to)]);

    for (const state of renewalStates) {
      expect({ state, exit: exits.has(state) }).toEqual({ state, exit: !finishedStates.has(state) });
      expect({ state, reached: reached.has(state) }).toEqual({ state, reached: true });
    }
  });

  it('leaves finished states never', () => {
    expect(rows.filter(([, row]) => row.from.some((s) => finishedStates.has(s)))).toEqual([]);
  });

  it.each(rows)(
    '%s: leaving submitting gives the renew lease back; only the claim and a reconcile take it',
    (name, row) => {
      const leavesSubmitting = row.from.includes('submitting') && row.to !== 'submitting';
      const takes = name === 'submitting' || name === 'reconciling';

      expect(row.renewLease === 'release' || row.renewLease === 'release_unresolved').toBe(leavesSubmitting);
      expect(row.renewLease === 'take').toBe(takes);
      // Only a move that leaves the call's new order unknown makes earlier listings stale for the next claim.
      expect(row.renewLease === 'release_unresolved').toBe(leavesSubmitting && row.to === 'needs_attention');
    },
  );

  it('makes only the claims before the paid call, the application and the deployment job durable', () => {
    expect(rows.filter(([, row]) => row.durable).map(([name]) => name)).toEqual(['submitting', 'applying']);
    expect(deployRows.filter(([, row]) => row.durable).map(([name]) => name)).toEqual(['deploy_creating']);
  });
});

describe("the deployment's table", () => {
  it("names no row as the request's table does (a move is found by its name alone)", () => {
    expect(deployRows.map(([name]) => name).filter((name) => name in transitions)).toEqual([]);
  });

  it('has no dead end: every state the worker owns has a way out, and every state is reachable', () => {
    const exits = new Set(deployRows.flatMap(([, row]) => row.from.filter((s) => s !== row.to)));
    const reached = new Set(deployRows.map(([, row]) => row.to));

    for (const state of deployWorkerStates)
      expect({ state, exit: exits.has(state) }).toEqual({ state, exit: true });
    for (const state of deployStates)
      expect({ state, reached: reached.has(state) }).toEqual({ state, reached: true });
  });

  it('keeps the deployment (and its request) for the retention on every move; only the proposal creates it', () => {
    expect(deployRows.filter(([, row]) => !row.retain)).toEqual([]);
    expect(deployRows.filter(([, row]) => row.creates).map(([name]) => name)).toEqual([
      'deployment_proposed',
    ]);
  });

  it('every move that leaves the worker states ends the deployment in certbot_deployments_total, and only those', () => {
    for (const [name, row] of deployRows) {
      const ends = row.from.some((s) => deployWorkerStates.has(s)) && !deployWorkerStates.has(row.to);
      expect({ name, counted: row.deployOutcome !== undefined }).toEqual({ name, counted: ends });
    }
  });
});

describe('what a state is (renewal-states.ts) and what applying a move does', () => {
  const states = Object.entries(stateAttributes) as Array<[RenewalState, StateAttributes]>;

  it.each(states)(
    '%s: the worker has a step exactly where it owns the request, and never a finished one',
    (_, a) => {
      expect(a.step !== undefined).toBe(a.worker !== undefined);
      if (a.finished) expect({ worker: a.worker, pending: a.pending }).toEqual({});
      // A request holds its order while it waits for a decision and while the worker renews it, and only then.
      expect(a.holdsOrder === true).toBe(a.pending === true || a.worker === 'renewal');
    },
  );

  it('starts a request waiting for a decision, holding its order, in the pending set only', () => {
    expect(initialState).toBe('requested');
    expect(entered({ state: initialState })).toEqual(['pending']);
  });

  it('puts a request in the pending set while it waits for a decision, in the active set while the worker owns it', () => {
    const inSet = (set: 'active' | 'pending') =>
      renewalStates.filter((state) => entered({ state }).includes(set));

    expect(inSet('pending')).toEqual(['requested']);
    expect(inSet('active')).toEqual([
      'approved',
      'submitting',
      'submitted',
      'applying',
      'validating',
      'reviewing',
    ]);
    // The store writes a set only on a move into it or out of it (a move within one writes nothing there).
    for (const [name] of rows) {
      const { from, to, flags } = applying(name as TransitionName);
      for (const set of ['active', 'pending'] as const) {
        const inTo = inSet(set).includes(to);
        const fromIn = from.filter((state) => inSet(set).includes(state)).length;
        expect(flags.includes(set), `${name} ${set}`).toBe(inTo && fromIn < from.length);
        expect(flags.includes(`leave_${set}`), `${name} leave_${set}`).toBe(!inTo && fromIn > 0);
      }
    }
    // A deployment is in its own active set while the worker owns it (deploy-active).
    expect([...deployWorkerStates]).toEqual([
      'deploy_approved',
      'deploy_creating',
      'deploying',
      'verifying',
      'rolling_back',
    ]);
    for (const [name, row] of deployRows) {
      const { flags } = applyingDeploy(name as DeployTransitionName);
      const inTo = deployWorkerStates.has(row.to);
      const fromIn = row.from.filter((state) => deployWorkerStates.has(state)).length;
      const created = 'creates' in row && row.creates === true;
      expect(flags.includes('active'), `${name} active`).toBe(inTo && (created || fromIn < row.from.length));
      expect(flags.includes('leave_active'), `${name} leave_active`).toBe(!inTo && fromIn > 0);
    }
  });

  it('refreshes the approval card on every move but those that change nothing it shows', () => {
    expect(
      rows.filter(([name]) => !applying(name as TransitionName).refreshCard).map(([name]) => name),
    ).toEqual([
      'abandoned',
      'card_not_posted',
      'outcome_unknown',
      'reconciling',
      'instance_found',
      'apply_outcome_unknown',
    ]);
    expect(
      deployRows
        .filter(([name]) => !applyingDeploy(name as DeployTransitionName).refreshCard)
        .map(([n]) => n),
    ).toEqual(['deploy_creating', 'deploy_not_executed', 'deploy_job_created']);
  });

  it('schedules the renewal job after a person gives the worker work, and only then', () => {
    const scheduled = Object.fromEntries(
      rows.flatMap(([name]) => {
        const schedule = applying(name as TransitionName).schedule;
        return schedule ? [[name, schedule]] : [];
      }),
    );

    expect(scheduled).toEqual({
      approved: 'renewal',
      rotation_approved: 'renewal',
      recheck: 'renewal_again',
      recheck_new_order: 'renewal_again',
      recheck_rotation: 'renewal_again',
    });
    // Each lands in a state the worker owns (the sweeper enqueues it when the enqueue failed).
    for (const name of Object.keys(scheduled))
      expect(entered({ state: transitions[name as TransitionName].to })).toContain('active');
    // A deployment's run is its own job, after a person's Deploy, Check again or Roll back.
    const runs = deployRows.filter(([, row]) => row.schedule).map(([name, row]) => [name, row.schedule]);
    expect(runs).toEqual([
      ['deploy_approved', 'deployment'],
      ['tls_recheck', 'deployment'],
      ['rollback_requested', 'deployment'],
    ]);
    for (const [, row] of deployRows.filter(([, r]) => r.schedule))
      expect(deployWorkerStates.has(row.to)).toBe(true);
  });

  it('checks the named guard of a row besides its state: expiry, a card never posted, a TLS check worth running again', () => {
    const requested = { state: 'requested', expiresAt: 10_000, requestedAt: 0 } as const;
    const deployed = (outcomes: Array<'new' | 'old'>) => ({
      state: 'deployed' as const,
      tlsResults: outcomes.map((outcome) => ({ domain: 'a.example', address: 'a.example:443', outcome })),
    });

    expect([can(requested, 'expired', 9_999), can(requested, 'expired', 10_000)]).toEqual([false, true]);
    expect([can(requested, 'abandoned', 60_000), can(requested, 'abandoned', 60_001)]).toEqual([false, true]);
    expect(can({ ...requested, messageTs: '1.2' }, 'abandoned', 120_000)).toBe(false);
    expect([
      canDeploy(deployed(['new']), 'tls_recheck'),
      canDeploy(deployed(['new', 'old']), 'tls_recheck'),
    ]).toEqual([false, true]);
    // The state alone (a card's button is live): the guard aside, never a state the row does not leave.
    expect([canFrom(requested, 'expired'), canFrom({ state: 'approved' }, 'expired')]).toEqual([true, false]);
    const halfway = { ...requested, requestedAt: 0, expiresAt: 10_000 };
    expect([can(halfway, 'reminded', 4_999), can(halfway, 'reminded', 5_000)]).toEqual([false, true]);
    expect(can({ ...halfway, reminded: 'half' }, 'reminded', 5_000)).toBe(false);
    expect(rows.filter(([, row]) => row.guard).map(([name, row]) => [name, row.guard])).toEqual([
      ['approved', 'renewal_kind'],
      ['rotation_approved', 'rotation_kind'],
      ['reminded', 'reminder_due'],
      ['expired', 'expiry_due'],
      ['abandoned', 'card_never_posted'],
      ['recheck_rotation', 'rotation_kind'],
    ]);
    expect(deployRows.filter(([, row]) => row.guard).map(([name, row]) => [name, row.guard])).toEqual([
      ['tls_recheck', 'tls_not_all_new'],
    ]);
  });

  it('answers can and isAt from the rows, and gives every worker-owned state its step', () => {
    expect(can({ state: 'requested' }, 'approved')).toBe(true);
    expect(can({ state: 'approved' }, 'approved')).toBe(false);
    // A rotation is approved by its own row, into the application step: never into the paid call.
    expect(can({ state: 'requested', kind: 'rotation' }, 'approved')).toBe(false);
    expect(can({ state: 'requested', kind: 'rotation' }, 'rotation_approved')).toBe(true);
    expect(can({ state: 'requested', kind: 'renewal' }, 'rotation_approved')).toBe(false);
    expect(transitions.rotation_approved.to).toBe('submitted');
    expect(canDeploy({ state: 'verified' }, 'rollback_requested')).toBe(true);
    expect(isAt({ state: 'validating' }, 'domain_validation')).toBe(true);
    expect(isAt({ state: 'submitted' }, 'domain_validation')).toBe(false);
    expect(
      renewalStates.filter((state) => stepOf({ state })).map((state) => [state, stepOf({ state })]),
    ).toEqual([
      ['approved', 'submit'],
      ['submitting', 'reconcile'],
      ['submitted', 'application'],
      ['applying', 'application_check'],
      ['validating', 'poll'],
      ['reviewing', 'poll'],
    ]);
    expect(
      deployStates
        .filter((state) => deployStepOf({ state }))
        .map((state) => [state, deployStepOf({ state })]),
    ).toEqual([
      ['deploy_approved', 'deploy_create'],
      ['deploy_creating', 'deploy_reconcile'],
      ['deploying', 'deploy_follow'],
      ['verifying', 'tls_check'],
      ['rolling_back', 'rollback'],
    ]);
  });
});
