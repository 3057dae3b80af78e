import { describe, expect, it } from 'vitest';
import { renewalStates } from '../../src/renewals/record.ts';
import { statesWhere } from '../../src/renewals/renewal-states.ts';
import { type TransitionRow, transitions } from '../../src/renewals/transitions.ts';

const rows = Object.entries(transitions) as Array<[string, TransitionRow]>;
const openStates = new Set(statesWhere((a) => a.holdsOrder === true));
const finishedStates = new Set(statesWhere((a) => a.finished === true));

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
    expect(rows.filter(([, row]) => row.durable).map(([name]) => name)).toEqual([
      'submitting',
      'applying',
      'deploy_creating',
    ]);
  });
});
