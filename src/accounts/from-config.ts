import type { CasClientDeps, CasSettings } from '../cas/from-config.ts';
import { baseCredentialsOf, createCasClientFromConfig, transportOf } from '../cas/from-config.ts';
import type { Pace } from '../cas/pacer.ts';
import { createStsClient } from '../cas/sts.ts';
import type { AlertRoute } from '../config/alert-routes.ts';
import { type AccountCas, createAccountCas } from './account-cas.ts';
import { type AccountDirectory, createAccountDirectory } from './account-directory.ts';
import type { Account, AccountsFile } from './accounts-file.ts';
import { createSessionCredentials } from './session-credentials.ts';

/** The parts of the configuration the accounts are made of. */
export interface AccountSettings {
  cas: CasSettings & { accountsFile?: string | undefined };
  alerts: { channel: string | undefined; routes: readonly AlertRoute[] };
}

/**
 * The accounts as configured: the file `CERT_ACCOUNTS` names, read and validated (a bad file throws
 * `CONFIG_INVALID` naming the account and the field), or the one account of today's variables.
 */
export async function loadAccounts(
  config: AccountSettings,
  read: (path: string) => Promise<string>,
): Promise<{ directory: AccountDirectory; file: AccountsFile | undefined }> {
  const path = config.cas.accountsFile;
  // Loaded only with a file: its YAML parser is not needed (nor, until it is a runtime dependency, installed in the
  // production image) by a deployment of one account.
  const file = path
    ? await (await import('./accounts-file.ts')).loadAccountsFile(path, read, {
        endpoint: config.cas.endpoint,
      })
    : undefined;
  const directory = createAccountDirectory(file, {
    endpoint: config.cas.endpoint,
    alertChannel: config.alerts.channel,
    alertRoutes: config.alerts.routes,
  });
  return { directory, file };
}

/**
 * The CAS client of every account, built in the composition root: each signs with its role's STS sessions (base
 * credentials from the usual chain assume the role), on its own endpoint, paced by its own window (CAS's rates are
 * per account).
 */
export function createAccountCasFromConfig(
  config: AccountSettings,
  accounts: { directory: AccountDirectory; file: AccountsFile | undefined },
  deps: Omit<CasClientDeps, 'pace'> & {
    /** The pacer of an account's calls. */
    paceFor?: (account: Account) => Pace;
    now: () => number;
  },
): AccountCas {
  const transport = transportOf(config.cas);
  const baseCredentials = baseCredentialsOf(config.cas, deps);
  const sts = accounts.file
    ? createStsClient({
        endpoint: accounts.file.stsEndpoint,
        credentials: baseCredentials,
        ...transport,
        ...(deps.logger ? { logger: deps.logger } : {}),
        ...(deps.onCall ? { onCall: deps.onCall } : {}),
      })
    : undefined;
  return createAccountCas({
    directory: accounts.directory,
    baseCredentials,
    sessions: sts ? createSessionCredentials({ sts, now: deps.now }) : undefined,
    makeClient: (account, credentials) =>
      createCasClientFromConfig(config.cas, {
        ...deps,
        credentials,
        endpoint: account.endpoint,
        transport,
        ...(deps.paceFor ? { pace: deps.paceFor(account) } : {}),
      }),
  });
}
