import type { AlertRoute } from '../config/alert-routes.ts';
import type { Account, AccountsFile } from './accounts-file.ts';

/** The name of the one account when there is no accounts file. */
export const defaultAccountName = 'default';

/** Which account a channel acts in, and every account (the data other modules read: approvers, alert channels). */
export interface AccountDirectory {
  /** Every account, in the file's order. */
  readonly accounts: readonly Account[];
  /** Whether the accounts come from a file (`CERT_ACCOUNTS`): then channels outside every account are refused. */
  readonly fromFile: boolean;
  /** The account whose channels include `channelId`; without a file, always the one account. */
  accountFor(channelId: string): Account | undefined;
  /** The account of that name (a record's `account`); a record without one is the default account's. */
  byName(name: string | undefined): Account | undefined;
  /** Every channel that belongs to an account, in the file's order (for the refusal in any other channel). */
  channelsWithAccount(): string[];
}

/** What the one account is made of when there is no accounts file: today's variables. */
export interface SingleAccountSettings {
  endpoint: string;
  alertChannel: string | undefined;
  alertRoutes: readonly AlertRoute[];
}

/** The one account of a deployment without an accounts file: every channel, the base credentials. */
export function singleAccount(settings: SingleAccountSettings): Account {
  return {
    name: defaultAccountName,
    roleArn: undefined,
    externalId: undefined,
    endpoint: settings.endpoint,
    channels: 'any',
    alertChannel: settings.alertChannel,
    alertRoutes: settings.alertRoutes,
    approvers: undefined,
    rotationApprovers: undefined,
    approvalsRequired: undefined,
    rotationApprovalsRequired: undefined,
    durationSeconds: 3600,
  };
}

/** The directory of the file's accounts, or of the one account when `file` is undefined. */
export function createAccountDirectory(
  file: AccountsFile | undefined,
  single: SingleAccountSettings,
): AccountDirectory {
  const accounts = file ? file.accounts : [singleAccount(single)];
  const byChannel = new Map<string, Account>();
  for (const a of accounts) if (a.channels !== 'any') for (const c of a.channels) byChannel.set(c, a);
  return {
    accounts,
    fromFile: file !== undefined,
    accountFor: (channelId) => (file ? byChannel.get(channelId) : accounts[0]),
    // Records made before accounts existed carry no account: they are the default account's.
    byName: (name) => accounts.find((a) => a.name === (name ?? defaultAccountName)),
    channelsWithAccount: () => [...byChannel.keys()],
  };
}
