import type { Redis } from 'ioredis';

/**
 * The lease of unresolved paid calls (DESIGN: "paid calls that a reconciliation could confuse are never unresolved
 * at the same time"). A reconcile tells its new order apart by "pending application, not in my listing taken
 * before the call, listed with my domain or with none". Two Renew calls of one domain, or of any domains when a
 * listing may show a new order without its domain, are therefore never unresolved together: the `submitting` claim
 * takes the lease of its scope in the same Lua script (transition table, `renewLease`), and the move that resolves
 * the call gives it back. The holder is its record: a record that left `submitting`, or is gone, holds nothing.
 *
 * One lease per key prefix, which is one Alibaba account (each account's bot has its own prefix).
 */

/** The whole account's scope: overlaps every other. */
export const accountScope = '*';

/** What a claim's listing of pending orders tells the lease. */
export interface LeaseListing {
  /** Whether any order pending application was listed without a domain. */
  domainless: boolean;
  /** The lease's `unresolved` count read before the listing began (a claim with an older one is refused). */
  epoch: number;
}

/**
 * The scope a Renew claim takes: its domain, or the whole account when the domain is unknown, when the listing
 * before the call shows an order without a domain, or when the account was ever seen listing one (its new orders
 * may then be listed without the domain, so a reconcile of another domain could take them for its own).
 */
export function leaseScope(domain: string | undefined, domainless: boolean, listsBare: boolean): string {
  if (!domain || domainless || listsBare) return accountScope;
  return `d:${domain}`;
}

/** Reads and marks what the lease knows of the account. */
export function createRenewLeases(deps: { redis: Redis; prefix: string }) {
  const { redis } = deps;
  const key = { lease: `${deps.prefix}:renew-lease`, bare: `${deps.prefix}:lists-bare` };
  return {
    key,
    /** Requests holding a scope now (scope → record ID). */
    async holders(): Promise<Map<string, string>> {
      const hash = await redis.hgetall(key.lease);
      return new Map(Object.entries(hash).filter(([scope]) => scope !== 'unresolved'));
    },
    /** How many holders gave up without knowing their new order (see LeaseListing.epoch). */
    async epoch(): Promise<number> {
      return Number((await redis.hget(key.lease, 'unresolved')) ?? 0);
    },
    /** Whether the account was ever seen listing an order pending application without a domain. */
    async listsBare(): Promise<boolean> {
      return (await redis.exists(key.bare)) === 1;
    },
    /** Remembers for good that the account lists orders without a domain: its claims serialise per account. */
    async markListsBare(): Promise<void> {
      await redis.set(key.bare, '1');
    },
  };
}

/** The account's renew lease. */
export type RenewLeases = ReturnType<typeof createRenewLeases>;
