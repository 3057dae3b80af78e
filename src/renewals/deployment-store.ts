import type { Redis } from 'ioredis';
import { applyingDeploy, type DeployTransitionName } from './deploy-transitions.ts';
import { DeploymentRecord, type DeployState } from './deployment-record.ts';
import {
  countFailure,
  type createMoves,
  type MoveChange,
  type MoveResult,
  type RecordKind,
} from './record-moves.ts';
import { storeKeys } from './store-keys.ts';

/** Result of a compare-and-set on a deployment. */
export type DeployMoveResult = MoveResult<DeploymentRecord, DeployState>;

/**
 * A request's deployment in Redis: its own hash (`<prefix>:deployment:<requestId>`) and its own table of moves,
 * applied by the store's one move script; the audit trail and the outbox are its request's (one thread, one story).
 */
export function createDeploymentStore(deps: {
  redis: Redis;
  prefix: string;
  move: ReturnType<typeof createMoves>;
  retentionMs: number;
  cardKey: (channel: string, ts: string) => string;
}) {
  const { redis, prefix } = deps;
  const key = storeKeys(prefix).deployment;
  const activeKey = storeKeys(prefix).deployActive();
  const kind: RecordKind<DeploymentRecord, DeployTransitionName> = {
    applying: applyingDeploy,
    key,
    parse: (hash) => DeploymentRecord.parse(hash),
    activeKey,
  };

  async function get(requestId: string): Promise<DeploymentRecord | undefined> {
    const hash = await redis.hgetall(key(requestId));
    return Object.keys(hash).length === 0 ? undefined : DeploymentRecord.parse(hash);
  }

  return {
    key,
    get,

    /** Applies the named row of the deployment table (see the store's `transition`). */
    transition: (
      requestId: string,
      name: DeployTransitionName,
      change: MoveChange<DeploymentRecord>,
    ): Promise<DeployMoveResult> => deps.move(kind, requestId, name, change),

    /**
     * Records where the deployment card was posted in the thread, and indexes it like the approval card (its
     * buttons are matched to the request the same way); the index expires with the record.
     */
    async setCard(requestId: string, channelId: string, messageTs: string): Promise<void> {
      await redis
        .multi()
        .hset(key(requestId), 'cardTs', messageTs)
        .set(deps.cardKey(channelId, messageTs), requestId, 'PX', deps.retentionMs)
        .exec();
    },

    /** IDs of the requests whose deployment the worker owns, oldest change first (the sweeper's). */
    async activeIds(): Promise<string[]> {
      return redis.zrange(activeKey, '0', '-1');
    },

    /** Counts a deployment run that ended in an unexpected error; returns how many in a row. */
    countFailure: (requestId: string, error: string) => countFailure(redis, key(requestId), error),

    /** Resets the count of failed deployment runs. */
    async clearFailures(requestId: string): Promise<void> {
      await redis.hdel(key(requestId), 'failures');
    },
  };
}

/** A request's deployments in the store. */
export type DeploymentStore = ReturnType<typeof createDeploymentStore>;
