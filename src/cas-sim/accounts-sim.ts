import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { SimSeed } from './seed.ts';
import { type CasSimulator, createCasSimulator, createListener, type SimCall } from './server.ts';
import { createStsHandler, type SimAssumption, SimRole } from './sts-sim.ts';

/** Several Alibaba accounts behind one endpoint: each its own CAS (orders, instances, AccessKeys), and STS roles. */
export const SimAccountsSeed = z.object({
  accounts: z
    .array(
      z.object({
        name: z.string().min(1),
        /** The account's UID (the number in its role ARNs). */
        uid: z.string().regex(/^[0-9]{1,20}$/),
        seed: SimSeed.optional(),
      }),
    )
    .min(1),
  roles: z.array(SimRole).default([]),
});
export type SimAccountsSeed = z.input<typeof SimAccountsSeed>;

/** The AccessKey ID a signed request names (`Credential=` of its Authorization header). */
function credentialOf(authorization: string | undefined): string {
  return authorization?.match(/Credential=([^,\s]+)/)?.[1] ?? '';
}

/**
 * A simulator of several accounts on one port, as Alibaba serves them: a CAS request acts in the account its
 * AccessKey belongs to (a permanent key of that account, or an STS session issued for one of its roles); STS
 * (`x-acs-version: 2015-04-01`) answers AssumeRole for the roles of every account.
 */
export function createAccountsSimulator(options: { seed: SimAccountsSeed; now?: () => number }) {
  const now = options.now ?? Date.now;
  const seed = SimAccountsSeed.parse(options.seed);
  const accounts = new Map<string, { uid: string; sim: CasSimulator }>();
  for (const a of seed.accounts)
    accounts.set(a.name, { uid: a.uid, sim: createCasSimulator({ seed: a.seed ?? {}, now }) });
  const assumptions: SimAssumption[] = [];
  const sts = createStsHandler({
    now,
    roles: seed.roles.map((r) => SimRole.parse(r)),
    principal(accessKeyId) {
      for (const { uid, sim } of accounts.values()) {
        const key = sim.accessKey(accessKeyId);
        if (key && key.securityToken === undefined) return { key, uid };
      }
      return undefined;
    },
    issue(uid, key) {
      const owner = [...accounts.values()].find((a) => a.uid === uid);
      owner?.sim.addAccessKey(key);
      return owner !== undefined;
    },
    log: assumptions,
  });
  const first = [...accounts.values()][0] as { sim: CasSimulator };
  const route = (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers['x-acs-version'] === '2015-04-01') {
      sts(req, res).catch(() => res.destroy());
      return;
    }
    const id = credentialOf(req.headers.authorization);
    // A key no account has goes to the first account, which refuses it as CAS does (InvalidAccessKeyId.NotFound).
    const owner = [...accounts.values()].find((a) => a.sim.accessKey(id)) ?? first;
    owner.sim.handle(req, res);
  };
  return {
    /** The CAS simulator of the account of that name. */
    account(name: string): CasSimulator {
      const found = accounts.get(name);
      if (!found) throw new Error(`no simulated account ${name}`);
      return found.sim;
    },
    /** Every AssumeRole STS answered, in order (nothing secret). */
    assumptions,
    /** Every CAS call of every account, each with its account's name. */
    calls(): Array<SimCall & { account: string }> {
      return [...accounts].flatMap(([account, { sim }]) => sim.calls.map((c) => ({ ...c, account })));
    },
    ...createListener(route),
  };
}

/** A running or ready simulator of several accounts. */
export type AccountsSimulator = ReturnType<typeof createAccountsSimulator>;
