import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimAccountsSeed } from '../cas-sim/accounts-sim.ts';
import type { SimSeed } from '../cas-sim/seed.ts';

// The demo's Alibaba accounts: the bot's own (it holds the AccessKey and owns no certificate) and one per team, each
// with its own Slack channel and its own RAM role that trusts the bot's account with an external ID. The simulator
// is seeded from the same list the accounts file (`CERT_ACCOUNTS`) is written from.

/** A team's account: its Slack channel, its role's external ID, its part of the seed and its TLS endpoints. */
export interface DemoAccount {
  /** The name in the accounts file and in the simulator. */
  name: string;
  /** The account's UID (the number in its role's ARN). */
  uid: string;
  /** The Slack channel whose commands act in this account; its alerts go there too. */
  channel: string;
  externalId: string;
  seed: SimSeed;
  tlsDomains: readonly string[];
}

/** The bot's own account: its RAM user's AccessKey assumes each team's role. */
export const botAccount = { name: 'ops', uid: '1000000000000001' } as const;

/** The RAM role the bot assumes in `account`. */
export const roleArnOf = (account: Pick<DemoAccount, 'uid'>) => `acs:ram::${account.uid}:role/certbot`;

/** The simulator's seed: the bot's account holding `botKey`, each team's account with its role trusting it. */
export function accountsSimSeed(
  accounts: readonly DemoAccount[],
  botKey: { accessKeyId: string; accessKeySecret: string },
): SimAccountsSeed {
  return {
    accounts: [
      { name: botAccount.name, uid: botAccount.uid, seed: { accessKeys: [botKey] } },
      ...accounts.map((a) => ({ name: a.name, uid: a.uid, seed: a.seed })),
    ],
    roles: accounts.map((a) => ({ arn: roleArnOf(a), trust: [botAccount.uid], externalId: a.externalId })),
  };
}

/** The accounts file of `accounts`, CAS and STS at `url`. */
export function accountsYaml(accounts: readonly DemoAccount[], url: string): string {
  const entries = accounts.map(
    (a) => `  - name: ${a.name}
    roleArn: ${roleArnOf(a)}
    externalId: ${a.externalId}
    endpoint: ${url}
    channels: [${a.channel}]
`,
  );
  return `stsEndpoint: ${url}\naccounts:\n${entries.join('')}`;
}

/** Writes the accounts file to a directory of its own; `remove` deletes both. */
export async function writeAccountsFile(
  yaml: string,
): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'certbot-demo-'));
  const path = join(dir, 'accounts.yaml');
  await writeFile(path, yaml, { mode: 0o600 });
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
