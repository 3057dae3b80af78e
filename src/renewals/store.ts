import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type AuditEntry, finishedStates, RenewalRecord, type RenewalState } from './record.ts';

// Creates a request unless the order already has an open one. KEYS: record, open-order index, audit, latest-by-order,
// pending-approvals set. ARGV: id, audit entry JSON, then field/value pairs.
const createScript = `
local existing = redis.call('GET', KEYS[2])
if existing then return {'exists', existing} end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SET', KEYS[4], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[1])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('RPUSH', KEYS[3], ARGV[2])
return {'ok', ARGV[1]}
`;

// Compare-and-set: moves the record to ARGV[2] only from one of the comma-separated states in ARGV[1], and in the
// same step appends the audit entry, queues thread messages in the outbox and keeps the set of requests the
// worker owns and the set of pending approvals. KEYS: record, open-order index, audit, outbox, active set, pending set. ARGV: from, to, release open index (1/0),
// retention ms (0 = keep), audit JSON (from/to filled in here), active (1 add / 0 remove / - leave),
// outbox items JSON array, then field/value pairs.
const transitionScript = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing', ''} end
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do if s == state then allowed = true end end
if not allowed then return {'conflict', state} end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
for i = 8, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HINCRBY', KEYS[1], 'version', 1)
local entry = cjson.decode(ARGV[5])
entry['from'] = state
entry['to'] = ARGV[2]
redis.call('RPUSH', KEYS[3], cjson.encode(entry))
for _, item in ipairs(cjson.decode(ARGV[7])) do redis.call('RPUSH', KEYS[4], cjson.encode(item)) end
local id = redis.call('HGET', KEYS[1], 'id')
if ARGV[6] == '1' then redis.call('ZADD', KEYS[5], redis.call('HGET', KEYS[1], 'updatedAt') or 0, id) end
if ARGV[6] == '0' then redis.call('ZREM', KEYS[5], id) end
if ARGV[2] ~= 'requested' then redis.call('SREM', KEYS[6], id) end
if ARGV[3] == '1' and redis.call('GET', KEYS[2]) == id then
  redis.call('DEL', KEYS[2])
end
if tonumber(ARGV[4]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
return {'ok', state}
`;

const popIfHeadScript = `
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then redis.call('LPOP', KEYS[1]) end
return 1
`;

const releaseLockScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

/** A thread message or card refresh waiting in a request's outbox (delivered by the worker, in order). */
export type OutboxItem = { kind: 'thread'; text: string } | { kind: 'card' };

/** States in which the worker owns a request (it is in the active set the sweeper watches). */
export const workerStates: ReadonlySet<RenewalState> = new Set([
  'approved',
  'submitting',
  'submitted',
  'validating',
  'reviewing',
]);

/** Result of a compare-and-set: `ok` with the state it left, or why it did not happen. */
export type TransitionResult =
  | { ok: true; from: RenewalState; record: RenewalRecord }
  | { ok: false; reason: 'missing' }
  | { ok: false; reason: 'conflict'; current: RenewalState; record: RenewalRecord };

/** Fields a new request starts with. */
export type NewRequest = Pick<RenewalRecord, 'orderId' | 'channelId' | 'requestedBy' | 'expiresAt'> &
  Partial<
    Pick<
      RenewalRecord,
      | 'teamId'
      | 'domain'
      | 'productName'
      | 'productCode'
      | 'certEndTime'
      | 'quotaRemaining'
      | 'csrPem'
      | 'csrSummary'
      | 'warning'
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
  /** How long finished records and their audit trail are kept, milliseconds. @defaultValue 90 days */
  retentionMs?: number;
  /** Called after every successful state change (metrics). */
  onTransition?: (to: RenewalState) => void;
}

function toFields(values: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    out.push(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  return out;
}

/**
 * Renewal requests in Redis: one hash per request, an index of the open request per order, and an audit list.
 * Every state change is one Lua script (compare-and-set), so double clicks, concurrent approvers and
 * redelivered payloads resolve to exactly one winner.
 */
export function createRenewalStore(deps: RenewalStoreDeps) {
  const { redis, prefix } = deps;
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? (() => `r${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`);
  const retentionMs = deps.retentionMs ?? 90 * 24 * 3600 * 1000;
  const key = {
    record: (id: string) => `${prefix}:renewal:${id}`,
    outbox: (id: string) => `${prefix}:outbox:${id}`,
    outboxLock: (id: string) => `${prefix}:outbox-lock:${id}`,
    active: () => `${prefix}:active`,
    pending: () => `${prefix}:pending-approvals`,
    open: (orderId: string) => `${prefix}:order-open:${orderId}`,
    latest: (orderId: string) => `${prefix}:order-latest:${orderId}`,
    audit: (id: string) => `${prefix}:audit:${id}`,
    card: (channel: string, ts: string) => `${prefix}:card:${channel}:${ts}`,
  };

  async function get(id: string): Promise<RenewalRecord | undefined> {
    const hash = await redis.hgetall(key.record(id));
    if (Object.keys(hash).length === 0) return undefined;
    return RenewalRecord.parse(hash);
  }

  return {
    key,
    get,

    /**
     * Creates a request in `requested` unless the order has an open one; then returns that one's ID instead.
     */
    async create(
      input: NewRequest,
    ): Promise<{ created: true; record: RenewalRecord } | { created: false; openId: string }> {
      const id = newId();
      const at = now();
      const audit: AuditEntry = { at, actor: input.requestedBy, action: 'requested', to: 'requested' };
      const [status, value] = (await redis.eval(
        createScript,
        5,
        key.record(id),
        key.open(input.orderId),
        key.audit(id),
        key.latest(input.orderId),
        key.pending(),
        id,
        JSON.stringify(audit),
        ...toFields({ ...input, id, state: 'requested', version: 1, requestedAt: at, updatedAt: at }),
      )) as [string, string];
      if (status === 'exists') return { created: false, openId: value };
      return { created: true, record: (await get(id)) as RenewalRecord };
    },

    /**
     * Moves a request to `to` if and only if it is in one of `from`. `release` frees the order for a new
     * request; finished states also start the retention clock.
     */
    async transition(
      id: string,
      from: readonly RenewalState[],
      to: RenewalState,
      change: {
        actor: string;
        action: string;
        detail?: string | undefined;
        fields?: Partial<RenewalRecord>;
        release?: boolean;
        /** Queued in the outbox atomically with the state change, so no message is lost. */
        notify?: OutboxItem[];
      },
    ): Promise<TransitionResult> {
      const at = now();
      const audit: AuditEntry = {
        at,
        actor: change.actor,
        action: change.action,
        ...(change.detail ? { detail: change.detail } : {}),
      };
      const release = change.release ?? finishedStates.has(to);
      const active = workerStates.has(to) ? '1' : to === 'requested' ? '-' : '0';
      const orderId = (await redis.hget(key.record(id), 'orderId')) ?? 'none';
      const [status, previous] = (await redis.eval(
        transitionScript,
        6,
        key.record(id),
        key.open(orderId),
        key.audit(id),
        key.outbox(id),
        key.active(),
        key.pending(),
        from.join(','),
        to,
        release ? '1' : '0',
        finishedStates.has(to) ? String(retentionMs) : '0',
        JSON.stringify(audit),
        active,
        JSON.stringify(change.notify ?? []),
        ...toFields({ ...change.fields, updatedAt: at }),
      )) as [string, string];
      if (status === 'missing') return { ok: false, reason: 'missing' };
      const record = (await get(id)) as RenewalRecord;
      if (status === 'conflict')
        return { ok: false, reason: 'conflict', current: previous as RenewalState, record };
      if (to !== previous) deps.onTransition?.(to);
      return { ok: true, from: previous as RenewalState, record };
    },

    /** Records where the card was posted (and indexes it, so a click can be matched to its request). */
    async setCard(id: string, channelId: string, messageTs: string): Promise<void> {
      await redis
        .multi()
        .hset(key.record(id), 'channelId', channelId, 'messageTs', messageTs)
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

    /** The oldest undelivered outbox item, if any, with its raw form (for {@link popOutbox}). */
    async peekOutbox(id: string): Promise<{ item: OutboxItem; raw: string } | undefined> {
      const raw = await redis.lindex(key.outbox(id), 0);
      return raw === null ? undefined : { item: JSON.parse(raw) as OutboxItem, raw };
    },

    /** Removes the oldest outbox item, only if it is still `raw` (so a delivered item is never confused with the next). */
    async popOutbox(id: string, raw: string): Promise<void> {
      await redis.eval(popIfHeadScript, 1, key.outbox(id), raw);
    },

    /** Takes the right to deliver a request's outbox for `ttlMs`; returns a release function, or undefined if taken. */
    async lockOutbox(id: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
      const token = randomBytes(8).toString('hex');
      const ok = await redis.set(key.outboxLock(id), token, 'PX', ttlMs, 'NX');
      if (ok !== 'OK') return undefined;
      return async () => {
        await redis.eval(releaseLockScript, 1, key.outboxLock(id), token);
      };
    },

    /** How many requests wait for a decision. */
    async pendingCount(): Promise<number> {
      return redis.scard(key.pending());
    },

    /** IDs of the requests the worker owns (approved up to reviewing), oldest change first. */
    async activeIds(): Promise<string[]> {
      return redis.zrange(key.active(), '0', '-1');
    },

    /** Adds an audit entry that is not a state change (e.g. a CSR attached). */
    async note(id: string, entry: Omit<AuditEntry, 'at'>): Promise<void> {
      await redis.rpush(key.audit(id), JSON.stringify({ at: now(), ...entry }));
    },
  };
}

/** The renewal store. */
export type RenewalStore = ReturnType<typeof createRenewalStore>;
