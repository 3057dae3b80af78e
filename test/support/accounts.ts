import { createAccountCas } from '../../src/accounts/account-cas.ts';
import { createAccountDirectory } from '../../src/accounts/account-directory.ts';
import { type Account, parseAccountsFile } from '../../src/accounts/accounts-file.ts';
import { createSessionCredentials } from '../../src/accounts/session-credentials.ts';
import { createCasClient } from '../../src/cas/client.ts';
import type { Pace } from '../../src/cas/pacer.ts';
import { createStsClient } from '../../src/cas/sts.ts';
import { createAccountsSimulator, type SimAccountsSeed } from '../../src/cas-sim/accounts-sim.ts';
import type { SimSeed } from '../../src/cas-sim/seed.ts';
import { testContactId } from './cas.ts';

/** The bot's own RAM user (in the ops account): the base credentials that assume the team roles. */
export const botKey = { accessKeyId: 'botAccessKeyId', accessKeySecret: 'botAccessKeySecret-never-logged' };

export const uids = { ops: '1000000000000001', shop: '2000000000000002', pay: '3000000000000003' } as const;
export const roleArns = {
  shop: `acs:ram::${uids.shop}:role/certbot`,
  pay: `acs:ram::${uids.pay}:role/certbot`,
  /** A role of the pay account that does not trust the bot's account. */
  payLocked: `acs:ram::${uids.pay}:role/locked`,
} as const;

/** A team account's CAS: a contact and a plan, as the single-account tests have. */
const teamSeed = (seed: SimSeed = {}): SimSeed => ({
  contacts: [{ contactId: testContactId, name: 'Platform team' }],
  packages: [{ productCode: 'digicert-dv-1-plan', totalCount: 10, usedCount: 2 }],
  ...seed,
});

/** Three accounts (ops holds the bot's key; shop and pay each trust ops through a role, shop with an external ID). */
export function accountsSeed(seeds: { shop?: SimSeed; pay?: SimSeed } = {}): SimAccountsSeed {
  return {
    accounts: [
      { name: 'ops', uid: uids.ops, seed: { accessKeys: [botKey] } },
      { name: 'shop', uid: uids.shop, seed: teamSeed(seeds.shop) },
      { name: 'pay', uid: uids.pay, seed: teamSeed(seeds.pay) },
    ],
    roles: [
      { arn: roleArns.shop, trust: [uids.ops], externalId: 'shop-7f3a' },
      { arn: roleArns.pay, trust: [uids.ops] },
      { arn: roleArns.payLocked, trust: [uids.shop] },
    ],
  };
}

/** Members of the shop account's approver groups (S0SHOPLEADS: money; S0SHOPONCALL: rotations and deployments). */
export const shopLeadIds = ['U0SHOPLEAD1', 'U0SHOPLEAD2'] as const;
export const shopOnCallId = 'U0SHOPONCALL';
/** The payments account's own approver (with the group S0PAYLEADS). */
export const payLeadId = 'U0PAYLEAD';
/** The Slack user groups of the accounts file's lists, for the stand-in (`usergroups.users.list`). */
export const accountGroups: Record<string, string[]> = {
  S0SHOPLEADS: [...shopLeadIds],
  S0SHOPONCALL: [shopOnCallId],
  S0PAYLEADS: ['U0PAYLEAD2'],
};

/** What a test changes in the accounts file. */
export interface YamlOverrides {
  shopExternalId?: string;
  payRoleArn?: string;
  /** Shop's `rotationApprovalsRequired` (absent: one approval). */
  shopRotationApprovals?: number;
}

/** The accounts file of those accounts, pointed at `url`. */
export function accountsYaml(url: string, overrides: YamlOverrides = {}): string {
  return `stsEndpoint: ${url}
accounts:
  - name: shop-prod
    roleArn: ${roleArns.shop}
    externalId: ${overrides.shopExternalId ?? 'shop-7f3a'}
    endpoint: ${url}
    channels: [C0SHOP1, C0SHOPOPS]
    alertRoutes: "*.ops.shop.example.com=C0SHOPOPS"
    approvers: [S0SHOPLEADS]
    rotationApprovers: [S0SHOPONCALL]
    approvalsRequired: 2
    durationSeconds: 900
${overrides.shopRotationApprovals ? `    rotationApprovalsRequired: ${overrides.shopRotationApprovals}\n` : ''}  - name: payments
    roleArn: ${overrides.payRoleArn ?? roleArns.pay}
    endpoint: ${url}
    channels: [C0PAY1]
    approvers: [${payLeadId}, S0PAYLEADS]
    approvalsRequired: 1
`;
}

/** Starts the simulator of the three accounts; close it after the test. */
export async function startAccountsSim(seeds: Parameters<typeof accountsSeed>[0] = {}, now?: () => number) {
  const sim = createAccountsSimulator({ seed: accountsSeed(seeds), ...(now ? { now } : {}) });
  const url = await sim.listen();
  return { sim, url };
}

/** The bot's account clients for the file `yaml`, signing with `now` (the simulator's clock). */
export function accountCasFor(
  yaml: string,
  now: () => number,
  marginMs?: number,
  paceFor?: (account: Account) => Pace,
) {
  const file = parseAccountsFile(yaml, 'accounts.yaml', { endpoint: 'http://127.0.0.1:9' });
  const directory = createAccountDirectory(file, { endpoint: '', alertChannel: undefined, alertRoutes: [] });
  const sts = createStsClient({
    endpoint: file.stsEndpoint,
    credentials: () => botKey,
    now,
    timeoutMs: 5_000,
  });
  return createAccountCas({
    directory,
    baseCredentials: () => botKey,
    sessions: createSessionCredentials({ sts, now, ...(marginMs !== undefined ? { marginMs } : {}) }),
    makeClient: (account, credentials) =>
      createCasClient({
        endpoint: account.endpoint,
        credentials,
        now,
        timeoutMs: 5_000,
        readRetries: 0,
        ...(paceFor ? { pace: paceFor(account) } : {}),
      }),
  });
}
