import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { ApplicationPlan } from './application.ts';
import { deployWorkerStates } from './deploy-transitions.ts';
import { DeploymentRecord, type DeployState, deployStates } from './deployment-record.ts';
import type { AuditEntry } from './record.ts';
import { toFields } from './record-moves.ts';
import { storeKeys } from './store-keys.ts';

/**
 * The upgrade to a deployment of its own (deployment-record.ts). Before it, a request went on from `issued` through
 * the deployment's states itself, with the deployment's fields on its hash; such a request no longer reads. Each
 * one found is rewritten once: its deployment becomes its own record (same state, fields renamed), and the
 * request ends `issued`. Idempotent, and safe to run in several processes at once: each record is moved by one
 * compare-and-set script, and a record not in a deployment state is never touched.
 */

/** The old fields of a request that the deployment has under its own names (or that are only the deployment's). */
const renamed = {
  deployResources: 'resources',
  deployCardTs: 'cardTs',
  deployDecidedBy: 'decidedBy',
  deployCreatingAt: 'creatingAt',
  deployJobId: 'jobId',
  deployResults: 'results',
  tlsResults: 'tlsResults',
  rollbackWorkerId: 'rollbackWorkerId',
  oldCertId: 'oldCertId',
  oldCertSha256: 'oldCertSha256',
} as const;

/** Copied from the request, which keeps them: they are the request's too. */
const copied = ['updatedAt', 'domain', 'newCertId', 'newCertSha256', 'failures', 'lastError'] as const;

/** What the request's audit trail says of the move. */
export const migratedDetail = 'migrated: the deployment has its own record';

/**
 * Moves one old-shape request: only if it is still in `ARGV[1]` at version `ARGV[2]` (what was read) and has no
 * deployment yet. KEYS: request, deployment, audit, request active set, deployment active set. ARGV: state and
 * version read, the state the request ends in, audit entry JSON, `1` when the worker owns the deployment, now, how
 * many old fields to remove, those fields, then the deployment's field/value pairs. The deployment and the audit
 * keep the request's retention (its PTTL); a deployment the worker owns keeps its place in the sweeper's order.
 */
const migrateScript = `
local current = redis.call('HMGET', KEYS[1], 'state', 'version')
if current[1] ~= ARGV[1] or current[2] ~= ARGV[2] then return 'skipped' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'exists' end
local id = redis.call('HGET', KEYS[1], 'id')
local n = tonumber(ARGV[7])
redis.call('HSET', KEYS[2], unpack(ARGV, 8 + n))
if n > 0 then redis.call('HDEL', KEYS[1], unpack(ARGV, 8, 7 + n)) end
redis.call('HSET', KEYS[1], 'state', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('RPUSH', KEYS[3], ARGV[4])
local score = redis.call('ZSCORE', KEYS[4], id)
redis.call('ZREM', KEYS[4], id)
if ARGV[5] == '1' then redis.call('ZADD', KEYS[5], score or ARGV[6], id) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[2], ttl)
  redis.call('PEXPIRE', KEYS[3], ttl)
end
return 'migrated'
`;

const oldStates: ReadonlySet<string> = new Set<string>(deployStates);

/** Whether a request's stored state is one of the deployment's: the request predates the upgrade. */
const isOldShape = (state: string | null | undefined) => state != null && oldStates.has(state);

/**
 * The deployment's fields from an old request's hash. What the old request lacks is derived: `threadTs` is the
 * approval card's `messageTs` (the thread the deployment card is in), `contactIds` the application plan's,
 * `intentId` the request's once the create call was claimed (`deployCreatingAt`: the claim wrote both), `version`
 * the request's (so the buttons of a deployment card posted before the upgrade still match), and `run` is 1 for a
 * deployment the worker owns (its next job is `deploy-<id>-1`; no job of that name existed before), absent
 * otherwise (the next decision counts the first run).
 */
export function deploymentFields(hash: Record<string, string>): Record<string, string> {
  const fields: Record<string, unknown> = {
    requestId: hash.id,
    state: hash.state,
    version: hash.version,
    channelId: hash.channelId,
    threadTs: hash.messageTs,
    contactIds: contactsOf(hash.application),
    intentId: hash.deployCreatingAt === undefined ? undefined : hash.intentId,
    run: deployWorkerStates.has(hash.state as DeployState) ? '1' : undefined,
  };
  for (const name of copied) fields[name] = hash[name];
  for (const [from, to] of Object.entries(renamed)) fields[to] = hash[from];
  return Object.fromEntries(
    Object.entries(fields).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** The application plan's contacts as the deployment stores them; none when the plan does not read. */
function contactsOf(application: string | undefined): string | undefined {
  const plan = ApplicationPlan.safeParse(application === undefined ? undefined : safeJson(application));
  return plan.success ? JSON.stringify(plan.data.contactIds) : undefined;
}

/** Whether the deployment would read (a JSON field that is not JSON throws while it is read). */
function reads(fields: Record<string, string>): boolean {
  try {
    return DeploymentRecord.safeParse(fields).success;
  } catch {
    return false;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The keys the migration reads and writes under `prefix`: the store's own. */
const keysOf = (prefix: string) => {
  const key = storeKeys(prefix);
  return {
    request: key.record,
    deployment: key.deployment,
    audit: key.audit,
    active: key.active(),
    deployActive: key.deployActive(),
  };
};

export type MigrateOutcome = 'migrated' | 'skipped' | 'exists' | 'invalid';

/**
 * Migrates one request from the hash read of it (`hash`): the script moves it only if it is still as read, so a
 * second process migrating the same request at the same time changes nothing.
 */
export async function migrateOne(
  redis: Redis,
  prefix: string,
  hash: Record<string, string>,
  now: number,
): Promise<MigrateOutcome> {
  const id = hash.id;
  if (!id || !isOldShape(hash.state)) return 'skipped';
  const fields = deploymentFields(hash);
  if (!reads(fields)) return 'invalid';
  const key = keysOf(prefix);
  const audit: AuditEntry = {
    at: now,
    actor: 'certbot',
    action: 'deployment_migrated',
    from: hash.state,
    to: 'issued',
    detail: migratedDetail,
  };
  const remove = Object.keys(renamed).filter((f) => f in hash);
  const active = deployWorkerStates.has(hash.state as DeployState) ? '1' : '';
  return (await redis.eval(
    migrateScript,
    5,
    ...[key.request(id), key.deployment(id), key.audit(id), key.active, key.deployActive],
    ...[hash.state ?? '', hash.version ?? '', 'issued', JSON.stringify(audit), active, String(now)],
    String(remove.length),
    ...remove,
    ...toFields(fields),
  )) as MigrateOutcome;
}

/**
 * Finds every old-shape request and migrates it. First the requests the worker owned (the request active set held
 * the deployment's worker states too), so that their runs resume first; then every request key, by SCAN with a
 * COUNT. For K keys in the database, N request keys, A in the active set and M old-shape requests, it costs 1
 * ZRANGE + A HGET + ⌈K / count⌉ SCAN + N HGET (one pipeline per SCAN page) + 2·M (HGETALL, one script).
 */
export async function migrateDeployments(deps: {
  redis: Redis;
  prefix: string;
  logger: Logger;
  now?: () => number;
  count?: number;
}): Promise<number> {
  const { redis, prefix, logger } = deps;
  const now = deps.now ?? Date.now;
  const key = keysOf(prefix);
  const outcomes: Record<MigrateOutcome, number> = { migrated: 0, skipped: 0, exists: 0, invalid: 0 };
  const migrate = async (ids: string[]) => {
    if (ids.length === 0) return;
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hget(key.request(id), 'state');
    const states = (await pipeline.exec()) ?? [];
    for (const [i, id] of ids.entries()) {
      const [err, state] = states[i] ?? [];
      if (err || !isOldShape(state as string | null)) continue;
      const outcome = await migrateOne(redis, prefix, await redis.hgetall(key.request(id)), now());
      outcomes[outcome] += 1;
      if (outcome === 'invalid' || outcome === 'exists')
        logger.warn({ recordId: id, outcome }, 'request in an old deployment state left as it is');
    }
  };
  await migrate(await redis.zrange(key.active, '0', '-1'));
  const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:renewal:*`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', deps.count ?? 500);
    cursor = next;
    await migrate(keys.map((k) => k.slice(`${prefix}:renewal:`.length)));
  } while (cursor !== '0');
  logger.info(
    { migrated: outcomes.migrated, leftAsIs: outcomes.invalid + outcomes.exists },
    'deployment records migrated',
  );
  return outcomes.migrated;
}
