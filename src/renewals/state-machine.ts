/**
 * The machinery of a state machine, generic over its table: per-state attributes and one row per move. A record's
 * module (transitions.ts for a renewal request) defines both; everything outside asks it — `can(record, move)`,
 * named guards, the attributes of a state — and never compares state names (test/ops/state-literals.test.ts).
 */

/** One move of a table: the states it is allowed from (compare-and-set: any other is a conflict), and where it goes. */
export interface Move<S extends string> {
  readonly from: readonly S[];
  readonly to: S;
}

/** A state machine over states `S` with attributes `A` and moves `R`. */
export interface Machine<S extends string, A, R extends Record<string, Move<S>>> {
  readonly states: Readonly<Record<S, A>>;
  readonly moves: R;
  /** Whether the record may make `move` now: its state is one the move is allowed from. */
  can(record: { state: S }, move: keyof R): boolean;
  /** Whether the record already is where `move` goes (making it again would change no state). */
  isAt(record: { state: S }, move: keyof R): boolean;
}

/** The states of an attribute table whose attributes pass `test`, in the table's order. */
export function statesWhere<S extends string, A>(
  states: Readonly<Record<S, A>>,
  test: (attributes: A) => boolean,
): S[] {
  return (Object.keys(states) as S[]).filter((s) => test(states[s]));
}

/** Builds the questions a table answers. */
export function defineMachine<S extends string, A, R extends Record<string, Move<S>>>(
  states: Readonly<Record<S, A>>,
  moves: R,
): Machine<S, A, R> {
  return {
    states,
    moves,
    can: (record, move) => moves[move]?.from.includes(record.state) ?? false,
    isAt: (record, move) => moves[move]?.to === record.state,
  };
}
