import type { Redis } from 'ioredis';
import { createRedisPacer, type Pace } from '../cas/pacer.ts';
import type { Account } from './accounts-file.ts';

/**
 * The pacer of each account's CAS calls (CAS's rates are per account): with an accounts file, each account paces
 * through its own windows in Redis (`<prefix>:account:<name>:pace:<action>`), so one account's full window never
 * slows another's calls; without one, the one account keeps the window it always had (`<prefix>:pace:<action>`).
 */
export function accountPacers(deps: {
  redis: Redis;
  prefix: string;
  /** Whether the accounts come from a file (`CERT_ACCOUNTS`). */
  fromFile: boolean;
  limits: Readonly<Record<string, number>>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): (account: Account) => Pace {
  const { fromFile, prefix, ...pacer } = deps;
  return (account) =>
    createRedisPacer({ ...pacer, prefix: fromFile ? `${prefix}:account:${account.name}` : prefix });
}
