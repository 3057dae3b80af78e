/**
 * The machinery of a state machine, generic over its table: per-state attributes and one row per move. A record's
 * module (transitions.ts for a renewal request) defines both; everything outside asks it — `can(record, move)`,
 * named guards, the attributes of a state — and never compares state names (test/ops/state-literals.test.ts).
 */

/** One move of a table: the states it is allowed from (compare-and-set: any other is a conflict), and where it goes. */
export interface Move<S extends string> {
  readonly from: readonly S[];
  readonly to: S;
  /** The name of what must also hold of the record (a table's guards), besides its state. */
  readonly guard?: string;
}

/** A table's named guards: what a record must satisfy, at `now` (epoch ms), for a guarded move. */
export type Guards<T> = Readonly<Record<string, (record: T, now: number) => boolean>>;

/** A state machine over records `T` in states `S`, with attributes `A` and moves `R`. */
export interface Machine<S extends string, A, R extends Record<string, Move<S>>, T extends { state: S }> {
  readonly states: Readonly<Record<S, A>>;
  readonly moves: R;
  /** Whether the record may make `move` now: its state is one the move is allowed from, and its guard holds. */
  can(record: T, move: keyof R, now?: number): boolean;
  /** Whether the record's state is one `move` is allowed from (its guard aside). */
  canFrom(record: { state: S }, move: keyof R): boolean;
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
export function defineMachine<S extends string, A, R extends Record<string, Move<S>>, T extends { state: S }>(
  states: Readonly<Record<S, A>>,
  moves: R,
  guards: Guards<T>,
): Machine<S, A, R, T> {
  const canFrom = (record: { state: S }, move: keyof R) => moves[move]?.from.includes(record.state) ?? false;
  return {
    states,
    moves,
    canFrom,
    can: (record, move, now = Date.now()) => {
      const guard = moves[move]?.guard;
      return canFrom(record, move) && (guard === undefined || guards[guard]?.(record, now) === true);
    },
    isAt: (record, move) => moves[move]?.to === record.state,
  };
}
