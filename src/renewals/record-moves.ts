import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { DurableClaims } from './claim-fence.ts';
import type { DeployOutcome } from './deploy-transitions.ts';
import type { Notice, OutboxItem, OutboxMessage } from './outbox-message.ts';
import type { AuditEntry } from './record.ts';
import { transitionScript } from './store-scripts.ts';
import { leaseHoldingStates } from './transitions.ts';

/** The columns of a row the store reads, whichever table it is from (transitions.ts, deploy-transitions.ts). */
export interface MoveRow {
  /** States the move is allowed from (compare-and-set: any other state is a conflict). */
  readonly from: readonly string[];
  readonly to: string;
  /** The move creates the record (or, from `from`, proposes it again before anyone saw it). */
  readonly creates?: true;
  /** Frees the order for a new request (the open-order index is removed if it still names this request). */
  readonly release?: true;
  /** Takes the order again; the move is refused (`order_taken`) when another request holds it meanwhile. */
  readonly reclaimOrder?: true;
  /** Starts the retention clock of the record and of every key written for it (a reclaim stops it). */
  readonly retain?: true;
  /** Counted in `certbot_renewals_total{outcome=<to>}` (or the outcome named here). */
  readonly count?: true | string;
  /**
   * Claims the `newOrderId` given with the move for this request; refused (`order_claimed`) when another request
   * already has it, so no request ever follows an order that another one created.
   */
  readonly claimNewOrder?: true;
  /**
   * The account's lease on unresolved paid calls (DESIGN: calls a reconciliation could confuse are never
   * unresolved at the same time). `take` holds a scope (one domain, or the whole account when listings may omit
   * the domain) and is refused (`lease_held`) while another request in `submitting` holds an overlapping one;
   * `release` gives back what this request holds; `release_unresolved` also marks every listing taken before now as
   * stale for a new claim (this request's new order, if CAS made one, is claimed by nobody).
   */
  readonly renewLease?: 'take' | 'release' | 'release_unresolved';
  /** Returns only once Redis has the write on disk: a once-only call follows this move. */
  readonly durable?: true;
  /** Counted in `certbot_deployments_total{outcome=<this>}`: how a deployment (or its re-check) ended. */
  readonly deployOutcome?: DeployOutcome;
  /**
   * An approval of N (the change's `approvalsRequired`): `count` adds a distinct approver short of N, `quorum` is
   * the move only the approval that reaches N makes (store-scripts.ts keeps the approvers, in the same step).
   */
  readonly approvals?: 'count' | 'quorum';
  /** Changes nothing a decision is about: a version seen before it still decides (store-scripts.ts). */
  readonly keepsSeen?: true;
}

/** What applying a move means (transitions.ts's `applying`, deploy-transitions.ts's `applyingDeploy`). */
export interface MoveApplying {
  readonly row: MoveRow;
  readonly from: readonly string[];
  readonly to: string;
  /** The script's flags: the row's effects, and the sets the record is in once it is in `to`. */
  readonly flags: readonly string[];
  /** Whether the approval card is refreshed (queued after the caller's thread events). */
  readonly refreshCard: boolean;
}

/** A kind of record the store moves through its table: a renewal request, or its deployment. */
export interface RecordKind<R, N extends string> {
  /** What applying a move of the kind's table means. */
  applying(name: N): MoveApplying;
  /** The record's hash (a request's deployment is keyed by the request's ID). */
  key(id: string): string;
  parse(hash: Record<string, string>): R;
  /** The sorted set of records of the kind the worker owns (the sweeper's). */
  activeKey: string;
}

/** What a move changes besides the state. */
export interface MoveChange<R> {
  actor: string;
  detail?: string | undefined;
  fields?: Partial<R>;
  /** Queued in the request's outbox atomically with the state change, so no message is lost (the card: the row). */
  notify?: Notice[];
  /** Only if the record is still at this version (what a person saw on the card). */
  ifVersion?: number | undefined;
  /** For a row that takes the renew lease: its scope, and the epoch its listing was taken at (if any). */
  lease?: { scope: string; epoch?: number | undefined };
  /** For an approval row: how many distinct approvers the request needs. */
  approvalsRequired?: number;
  /** Only if these fields hold these values now ('' for absent); else `stale`. */
  ifFields?: Record<string, string>;
}

/** Result of a compare-and-set: `ok` with the state it left, or why it did not happen. */
export type MoveResult<R, S extends string> =
  | { ok: true; from: S | 'none'; record: R; row: MoveRow }
  | { ok: false; reason: 'missing' }
  | { ok: false; reason: 'conflict'; current: S; record: R }
  /** The record changed since the caller saw it (`ifVersion`). */
  | { ok: false; reason: 'stale'; record: R }
  /** The row takes the order back, and another request holds it now. */
  | { ok: false; reason: 'order_taken'; ownerId: string; record: R }
  /** The row claims a new order ID that another request already has. */
  | { ok: false; reason: 'order_claimed'; ownerId: string; record: R }
  /** The row takes the renew lease, and another unresolved request holds an overlapping scope. */
  | { ok: false; reason: 'lease_held'; ownerId: string; record: R }
  /** The row takes the renew lease with a listing older than a holder that gave up: list again. */
  | { ok: false; reason: 'lease_stale'; record: R }
  /**
   * An approval row did not move, `count` being the distinct approvers with the actor: `approval_repeated` (the actor
   * was counted before), `approval_quorum` (the actor's approval reaches the count: make the quorum row),
   * `approval_short` (the quorum row, short of the count: count the approval instead).
   */
  | { ok: false; reason: ApprovalShortfall; count: number; record: R };

/** Why an approval row did not move (see {@link MoveResult}). */
export type ApprovalShortfall = 'approval_repeated' | 'approval_quorum' | 'approval_short';
const shortfalls = new Set(['approval_repeated', 'approval_quorum', 'approval_short']);

/** The request's keys a move touches (every record kind belongs to one request). */
export interface RequestKeys {
  record(id: string): string;
  open(orderId: string): string;
  audit(id: string): string;
  outbox(id: string): string;
  pending(): string;
  latest(orderId: string): string;
  card(channel: string, ts: string): string;
  newOrder(newOrderId: string): string;
  outboxIndex(): string;
  renewal(orderId: string): string;
}

export function toFields(values: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    out.push(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  return out;
}

/** Dependencies of {@link createMoves}. */
export interface MovesDeps {
  redis: Redis;
  key: RequestKeys;
  leaseKey: string;
  now: () => number;
  retentionMs: number;
  // Methods: a caller's narrower parameter (the request's states) is accepted.
  onTransition?(to: string): void;
  onDeployment?(outcome: DeployOutcome): void;
  durable?: DurableClaims | undefined;
}

const card: OutboxMessage = { kind: 'card' };
/** The transition script's reply: status, value, and the record's field/value pairs (store-scripts.ts). */
type ScriptReply = [status: string, value: string, pairs?: string[]];
const failed = new Set(['order_taken', 'order_claimed', 'lease_held']);

/** The fields of a request its moves name keys by; each is written once (set, never changed after). */
type KeyFields = [
  orderId: string | null,
  channelId: string | null,
  messageTs: string | null,
  newOrderId: string | null,
];
const keyFieldNames = ['orderId', 'channelId', 'messageTs', 'newOrderId'] as const;
/** How many requests' key fields a process keeps (the oldest is dropped first). */
const keyFieldsKept = 10_000;

/**
 * Applies a named row of a kind's table in one Lua script (store-scripts.ts): the record moves only from one of
 * the row's `from` states, and everything the row does (audit entry and outbox of the request, sets, retention of
 * the record and of its request) happens with the state change, or nothing does.
 */
export function createMoves(deps: MovesDeps) {
  const { redis, key } = deps;
  // A request's key fields as last read (its record, or a move's read-back), so that a move needs no read of them
  // first. Write-once fields, so what was set stays right; an absent newOrderId the script checks (`refetch`).
  const keyFields = new Map<string, KeyFields>();

  /** Keeps a request's key fields as read, once the card is known (before that, they are read per move). */
  function remember(id: string, record: Partial<Record<(typeof keyFieldNames)[number], unknown>>): void {
    if (!record.orderId || !record.channelId || !record.messageTs) return;
    keyFields.delete(id);
    keyFields.set(id, keyFieldNames.map((f) => (record[f] ? String(record[f]) : null)) as KeyFields);
    if (keyFields.size > keyFieldsKept) keyFields.delete(keyFields.keys().next().value as string);
  }

  /** The script's keys and arguments for one move of request `id`'s record at `recordKey`. */
  async function scriptArgs(
    id: string,
    [recordKey, activeKey]: [string, string],
    move: MoveApplying,
    change: MoveChange<unknown> & { audit: AuditEntry; at: number; reread: boolean },
  ): Promise<string[]> {
    const cached = change.reread ? undefined : keyFields.get(id);
    // The script checks an absent newOrderId on a request's own record only: another kind's move reads it first.
    const known = cached && (cached[3] || recordKey === key.record(id)) ? cached : undefined;
    const [orderId, channelId, messageTs, knownNewOrderId] =
      known ?? ((await redis.hmget(key.record(id), ...keyFieldNames)) as KeyFields);
    const fields = (change.fields ?? {}) as Record<string, unknown>;
    const newOrderId = (fields.newOrderId as string | undefined) ?? knownNewOrderId ?? '';
    const notify: OutboxMessage[] = [...(change.notify ?? []), ...(move.refreshCard ? [card] : [])];
    const items: OutboxItem[] = notify.map((m) => ({ ...m, id: randomBytes(8).toString('hex') }));
    const order = orderId ?? 'none';
    return [
      ...[recordKey, key.open(order), key.audit(id), key.outbox(id), activeKey],
      ...[key.pending(), key.latest(order)],
      channelId && messageTs ? key.card(channelId, messageTs) : recordKey,
      newOrderId ? key.newOrder(newOrderId) : recordKey,
      ...[key.outboxIndex(), deps.leaseKey, key.renewal(order), key.record(id)],
      ...[move.from.join(','), move.to, move.flags.join(','), String(deps.retentionMs)],
      ...[JSON.stringify(change.audit), JSON.stringify(items), String(change.at)],
      move.row.claimNewOrder ? newOrderId : '',
      change.ifVersion === undefined ? '' : String(change.ifVersion),
      change.lease?.scope ?? '*',
      key.record(''),
      change.lease?.epoch === undefined ? '' : String(change.lease.epoch),
      leaseHoldingStates.join(','),
      id,
      change.approvalsRequired === undefined ? '' : String(change.approvalsRequired),
      JSON.stringify(change.ifFields ?? {}),
      // The version is the script's to write (the next one, in the same HSET): a caller's is dropped.
      ...toFields({ ...fields, version: undefined, updatedAt: change.at }),
    ];
  }

  async function move<R, S extends string, N extends string>(
    kind: RecordKind<R, N>,
    id: string,
    name: N,
    change: MoveChange<R>,
  ): Promise<MoveResult<R, S>> {
    const applied = kind.applying(name);
    const { row } = applied;
    const at = deps.now();
    const audit: AuditEntry = {
      at,
      actor: change.actor,
      action: name,
      ...(change.detail ? { detail: change.detail } : {}),
    };
    const record = kind.key(id);
    const mark = row.durable ? deps.durable?.mark?.() : undefined;
    let status = 'refetch';
    let value = '';
    let pairs: string[] = [];
    for (let reread = false; status === 'refetch'; reread = true) {
      const args = await scriptArgs(id, [record, kind.activeKey], applied, { ...change, audit, at, reread });
      [status, value, pairs = []] = (await redis.eval(transitionScript, 13, ...args)) as ScriptReply;
    }
    if (status === 'missing') return { ok: false, reason: 'missing' };
    // The script's read-back: the record as the step left it, in the same atomic step (fresher than a read after).
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < pairs.length; i += 2) hash[pairs[i] as string] = pairs[i + 1] as string;
    const moved = kind.parse(hash);
    if (record === key.record(id)) remember(id, hash);
    if (status === 'conflict') return { ok: false, reason: 'conflict', current: value as S, record: moved };
    if (status === 'stale') return { ok: false, reason: 'stale', record: moved };
    if (failed.has(status))
      return { ok: false, reason: status as 'order_taken', ownerId: value, record: moved };
    if (status === 'lease_stale') return { ok: false, reason: status, record: moved };
    if (shortfalls.has(status))
      return { ok: false, reason: status as ApprovalShortfall, count: Number(value), record: moved };
    if (row.count && value !== row.to) deps.onTransition?.(row.count === true ? row.to : row.count);
    if (row.deployOutcome) deps.onDeployment?.(row.deployOutcome);
    const token = (change.fields as { intentId?: string } | undefined)?.intentId;
    if (row.durable && deps.durable) await deps.durable({ key: record, state: row.to, token, mark });
    return { ok: true, from: value as S, record: moved, row };
  }

  return Object.assign(move, { remember });
}

/** Counts a worker run that ended in an unexpected error on a record; returns how many in a row. */
export async function countFailure(redis: Redis, recordKey: string, error: string): Promise<number> {
  // Only on a record that still exists: a partial hash would be a record nobody can read.
  const failures = await redis.eval(
    `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
     redis.call('HSET', KEYS[1], 'lastError', ARGV[1])
     return redis.call('HINCRBY', KEYS[1], 'failures', 1)`,
    1,
    recordKey,
    error.slice(0, 300),
  );
  return Number(failures);
}
