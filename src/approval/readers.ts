import type { Redis } from 'ioredis';
import type { ApproverDirectory } from './approvers.ts';

/** Whether someone may read (`/cert list`, `/cert status`) now. */
export type ReadCheck = 'ok' | 'not_reader' | 'too_often';

/**
 * Who may see the expiring domains and request states (`CERT_READERS`, plus approvers; everyone when unset), and
 * how often: `perMinute` reads per person per minute, counted in Redis so every app process shares the count.
 */
export function createReaderPolicy(deps: {
  /** The listed readers (users and groups), or undefined when everyone may read. */
  readers: ApproverDirectory | undefined;
  approvers: ApproverDirectory;
  redis: Redis;
  prefix: string;
  now: () => number;
  /** @defaultValue 10 */
  perMinute?: number;
}) {
  const perMinute = deps.perMinute ?? 10;
  return {
    async check(userId: string): Promise<ReadCheck> {
      if (
        deps.readers &&
        !(await deps.readers.isApprover(userId)) &&
        !(await deps.approvers.isApprover(userId))
      )
        return 'not_reader';
      const minute = Math.floor(deps.now() / 60_000);
      const key = `${deps.prefix}:reads:${userId}:${minute}`;
      const [[, count]] = (await deps.redis.multi().incr(key).pexpire(key, 120_000).exec()) as [
        [unknown, number],
      ];
      return count > perMinute ? 'too_often' : 'ok';
    },
  };
}

/** The read policy. */
export type ReaderPolicy = ReturnType<typeof createReaderPolicy>;
