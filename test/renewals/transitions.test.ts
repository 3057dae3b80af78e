import { describe, expect, it } from 'vitest';
import { type DeployRow, deployTransitions } from '../../src/renewals/deploy-transitions.ts';
import { deployStates, deployWorkerStates } from '../../src/renewals/deployment-record.ts';
import { finishedStates, openStates, renewalStates } from '../../src/renewals/record.ts';
import { type TransitionRow, transitions } from '../../src/renewals/transitions.ts';

const rows = Object.entries(transitions) as Array<[string, TransitionRow]>;
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
