import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { DurableClaims } from './claim-fence.ts';
import type { DeployOutcome } from './deploy-transitions.ts';
import { createDeploymentStore } from './deployment-store.ts';
import { createOutboxStore } from './outbox-store.ts';
import { type AuditEntry, RenewalRecord, type RenewalState } from './record.ts';
import {
  countFailure,
  createMoves,
  type MoveChange,
  type MoveResult,
  type RecordKind,
  toFields,
} from './record-moves.ts';
import { createRenewLeases } from './renew-lease.ts';
import { initialState } from './renewal-states.ts';
import { storeKeys } from './store-keys.ts';
import { createScript } from './store-scripts.ts';
import { applying, entered, type TransitionName } from './transitions.ts';

export type {
  Deliver,
  DeliveryResult,
  Notice,
  OutboxItem,
  OutboxLock,
  OutboxMessage,
} from './outbox-message.ts';

/** Result of a compare-and-set on a request: `ok` with the state it left, or why it did not happen. */
export type TransitionResult = MoveResult<RenewalRecord, RenewalState>;

/** Fields a new request starts with. */
export type NewRequest = Pick<RenewalRecord, 'orderId' | 'channelId' | 'requestedBy' | 'expiresAt'> &
  Partial<
    Pick<
      RenewalRecord,
      | 'teamId'
      | 'account'
      | 'domain'
      | 'productName'
      | 'productCode'
      | 'certEndTime'
      | 'buyDate'
      | 'certStartTime'
      | 'quotaRemaining'
      | 'csrPem'
      | 'csrSummary'
      | 'previous'
      | 'renewedBefore'
      | 'application'
      | 'oldInstanceId'
      | 'kind'
      | 'approvalsRequired'
      | 'instanceId'
      | 'certIdBefore'
      | 'certNotBefore'
      | 'subscriptionEnd'
    >
  >;

/** Dependencies of {@link createRenewalStore}. */
export interface RenewalStoreDeps {
  redis: Redis;
  /** Key prefix (`CERT_REDIS_PREFIX`); every key is `<prefix>:…`. */
  prefix: string;
  now?: () => number;
  /** New record IDs; must not be all digits nor contain `:` (they become BullMQ job IDs). */
  newId?: () => string;
  /** How long a request that left the open states is kept, with every key of it, milliseconds. @defaultValue 90 days */
  retentionMs?: number;
  /** Called after each move of a row that counts (metrics), with the state it reached. */
  onTransition?: (to: RenewalState) => void;
  /** Called after each move that ends a deployment (metrics), with how it ended. */
  onDeployment?: (outcome: DeployOutcome) => void;
  /**
   * Makes a `durable` row's claim durable (on Redis's disk, and replicas) and fences the paid call on it; throws
   * when it cannot. @defaultValue nothing is waited for
   */
  durable?: DurableClaims;
}

/** A request, as a kind of record the store moves through the transition table. */
function requestKindOf(key: ReturnType<typeof storeKeys>): RecordKind<RenewalRecord, TransitionName> {
  return { applying, key: key.record, parse: (hash) => RenewalRecord.parse(hash), activeKey: key.active() };
}

/**
 * Renewal requests in Redis: one hash per request, an index of the open request per order, an audit list and an
 * outbox. Every state change is one row of the transition table applied by one Lua script (compare-and-set), so
 * double clicks, concurrent approvers and redelivered payloads resolve to exactly one winner.
 */
export function createRenewalStore(deps: RenewalStoreDeps) {
  const { redis, prefix } = deps;
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? (() => `r${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`);
  const retentionMs = deps.retentionMs ?? 90 * 24 * 3600 * 1000;
  const key = storeKeys(prefix);
  const leases = createRenewLeases({ redis, prefix });
  const move = createMoves({ ...deps, key, leaseKey: leases.key.lease, now, retentionMs });
  const requestKind = requestKindOf(key);

  async function get(id: string): Promise<RenewalRecord | undefined> {
    const hash = await redis.hgetall(key.record(id));
    if (Object.keys(hash).length === 0) return undefined;
    move.remember(id, hash);
    return RenewalRecord.parse(hash);
  }

  return {
    key,
    get,
    leases,
    ...createOutboxStore({ redis, key }),

    /**
     * Creates a request in the table's initial state unless the order has an open one; then returns that one's ID.
     */
    async create(
      input: NewRequest,
    ): Promise<{ created: true; record: RenewalRecord } | { created: false; openId: string }> {
      const id = newId();
      const at = now();
      const audit: AuditEntry = { at, actor: input.requestedBy, action: initialState, to: initialState };
      const [status, value] = (await redis.eval(
        createScript,
        6,
        key.record(id),
        key.open(input.orderId),
        key.audit(id),
        key.latest(input.orderId),
        key.pending(),
        key.active(),
        id,
        JSON.stringify(audit),
        entered({ state: initialState }).join(','),
        String(at),
        ...toFields({ ...input, id, state: initialState, version: 1, requestedAt: at, updatedAt: at }),
      )) as [string, string];
      if (status === 'exists') return { created: false, openId: value };
      return { created: true, record: (await get(id)) as RenewalRecord };
    },

    /**
     * Applies the named row of the transition table: the request moves only from one of the row's `from` states,
     * and everything the row does happens in the same Lua script, or nothing does: its effects, the sets the
     * request enters and leaves, and the card's refresh after `notify` when the row refreshes it (transitions.ts's
     * {@link applying}). What the row schedules runs after it (scheduled-move.ts).
     */
    transition: (
      id: string,
      name: TransitionName,
      change: MoveChange<RenewalRecord>,
    ): Promise<TransitionResult> => move(requestKind, id, name, change),

    /** Each issued request's deployment: its own record and table, moved by the same script. */
    deployments: createDeploymentStore({ redis, prefix, move, retentionMs, cardKey: key.card }),

    /** The request that claimed a new order ID (renewed into it, reconciled it, or a person said so). */
    async newOrderOwner(newOrderId: string): Promise<string | undefined> {
      return (await redis.get(key.newOrder(newOrderId))) ?? undefined;
    },

    /**
     * Records where the card was posted (and indexes it, so a click can be matched to its request), with what the
     * card showed of the previous request, when it did.
     */
    async setCard(
      id: string,
      channelId: string,
      messageTs: string,
      fields: Pick<Partial<RenewalRecord>, 'previous' | 'renewedBefore'> = {},
    ): Promise<void> {
      await redis
        .multi()
        .hset(key.record(id), 'channelId', channelId, 'messageTs', messageTs, ...toFields(fields))
        .set(key.card(channelId, messageTs), id)
        .exec();
    },

    /** The request whose card is this message, if any. */
    async findByCard(channelId: string, messageTs: string): Promise<RenewalRecord | undefined> {
      const id = await redis.get(key.card(channelId, messageTs));
      return id ? get(id) : undefined;
    },

    /** The open request of an order, if any. */
    async findOpen(orderId: string): Promise<RenewalRecord | undefined> {
      const id = await redis.get(key.open(orderId));
      return id ? get(id) : undefined;
    },

    /** The last request that renewed an order (claimed its new order ID) within the retention, if any. */
    async findRenewal(orderId: string): Promise<RenewalRecord | undefined> {
      const id = await redis.get(key.renewal(orderId));
      return id ? get(id) : undefined;
    },

    /** The most recent request of an order, open or not. */
    async findLatest(orderId: string): Promise<RenewalRecord | undefined> {
      const id = await redis.get(key.latest(orderId));
      return id ? get(id) : undefined;
    },

    /** The audit trail, oldest first. */
    async audit(id: string): Promise<AuditEntry[]> {
      const entries = await redis.lrange(key.audit(id), 0, -1);
      return entries.map((e) => JSON.parse(e) as AuditEntry);
    },

    /** How many requests wait for a decision. */
    async pendingCount(): Promise<number> {
      return redis.scard(key.pending());
    },

    /** IDs of the requests the worker owns (approved up to reviewing), oldest change first. */
    async activeIds(): Promise<string[]> {
      return redis.zrange(key.active(), '0', '-1');
    },

    /**
     * Counts a worker run that ended in an unexpected error; returns how many in a row. `error` is a message,
     * never a secret. A completed run resets the count ({@link clearFailures}).
     */
    countFailure(id: string, error: string): Promise<number> {
      return countFailure(redis, key.record(id), error);
    },

    /** Resets the count of failed worker runs. */
    async clearFailures(id: string): Promise<void> {
      await redis.hdel(key.record(id), 'failures');
    },
  };
}

/** The renewal store. */
export type RenewalStore = ReturnType<typeof createRenewalStore>;
