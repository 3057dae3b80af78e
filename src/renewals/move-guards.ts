import type { TlsResult } from './deployment.ts';
import type { RenewalState } from './record.ts';
import { dueReminder, type ReminderMark } from './reminders.ts';

/** What a move's guard reads of a request (besides its state, which the row's `from` decides). */
export interface GuardedRecord {
  readonly state: RenewalState;
  readonly expiresAt?: number | undefined;
  readonly requestedAt?: number | undefined;
  readonly messageTs?: string | undefined;
  readonly reminded?: ReminderMark | undefined;
  readonly kind?: 'renewal' | 'rotation' | undefined;
}

/** A request still without a card this long after it was opened was abandoned by a process that died. */
export const abandonedAfterMs = 60_000;

/** Whether every endpoint was checked and serves the new certificate: the only case that is `verified`. */
export function allServingNew(results: readonly TlsResult[] | undefined): boolean {
  return results !== undefined && results.length > 0 && results.every((r) => r.outcome === 'new');
}

/**
 * The named guards of the transition table (a row's `guard`): what must hold of a request, besides its state, for
 * the move to be offered. `now` is epoch ms. Checked by `can` (transitions.ts) before the move is asked of the store.
 */
export const moveGuards = {
  /** An undecided request expires once its TTL is over. */
  expiry_due: (r: GuardedRecord, now: number) => r.expiresAt !== undefined && now >= r.expiresAt,
  /** The process that opened the request died before posting its card: nobody could ever decide it. */
  /** A reminder of an undecided request is due and was not posted yet (reminders.ts). */
  reminder_due: (r: GuardedRecord, now: number) => dueReminder(r, now) !== undefined,
  card_never_posted: (r: GuardedRecord, now: number) =>
    !r.messageTs && r.requestedAt !== undefined && now - r.requestedAt > abandonedAfterMs,
  /** A V1 renewal: approving it leads to the paid call. */
  renewal_kind: (r: GuardedRecord) => r.kind !== 'rotation',
  /** A V2 rotation: approving it leads straight to the application (no paid call, no plan quota, no lease). */
  rotation_kind: (r: GuardedRecord) => r.kind === 'rotation',
} as const satisfies Record<string, (r: GuardedRecord, now: number) => boolean>;

/** The name of a move's guard. */
export type GuardName = keyof typeof moveGuards;

/**
 * Whether a person who saw `version` of the request saw what it is now: the same version, or one before moves that
 * change nothing a decision is about (the store's script decides the same way when the move is made).
 */
export function sawCurrent(
  r: {
    readonly version: number;
    readonly seenFrom?: number | undefined;
    readonly seenTo?: number | undefined;
  },
  version: number,
): boolean {
  if (r.version === version) return true;
  return r.seenTo === r.version && r.seenFrom !== undefined && version >= r.seenFrom && version < r.version;
}
