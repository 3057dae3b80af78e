import type { RenewalRecord } from './record.ts';
import type { ThreadEvent } from './thread-events.ts';

/**
 * What to tell the request's thread, queued with a state change: an event (rendered by the Slack layer when it is
 * delivered) or a refresh of the card (queued by the store when the move's row says so, never by a caller).
 */
export type OutboxMessage =
  | { kind: 'event'; event: ThreadEvent }
  | { kind: 'card' }
  /** The deployment card in the thread: posted the first time, updated in place after. */
  | { kind: 'deploy_card' };

/** What a caller queues with a move: thread events and the deployment card (the table decides the card's refresh). */
export type Notice = Exclude<OutboxMessage, { kind: 'card' }>;

/** What delivering an outbox achieved: everything out, or try again after `retryMs`. */
export type DeliveryResult = { done: true } | { done: false; retryMs: number; reason: string };

/**
 * Delivers one request's outbox (the Slack layer implements it). `known`: the record as the caller last read it
 * (a transition's result); items queued at its version or before render from it without reading it again.
 */
export type Deliver = (
  recordId: string,
  known?: RenewalRecord,
  /** Leave the items the worker queued after `known` to the worker, which delivers them after its run. */
  options?: { leaveWorkerItems?: boolean },
) => Promise<DeliveryResult>;

/**
 * A queued outbox item: its ID makes each one distinct, so removing it after delivery never removes another;
 * `version` is the record's version the change that queued it left, `by` who made it (set by the transition script).
 */
export type OutboxItem = OutboxMessage & { id: string; version?: number; by?: string };

/** A held delivery lock of one request's outbox. */
export interface OutboxLock {
  /** Fencing token: an item is removed only while this token still holds the lock. */
  readonly token: string;
  /** Extends the lock by `ttlMs`; false once it was lost (it expired and someone else took it). */
  extend(ttlMs: number): Promise<boolean>;
  release(): Promise<void>;
}
