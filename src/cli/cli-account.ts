import { sessionNameOf } from '../accounts/account-cas.ts';
import { createAccountCasFromConfig, loadAccounts } from '../accounts/from-config.ts';
import type { SessionPurpose } from '../accounts/session-policy.ts';
import type { CasClient } from '../cas/client.ts';
import type { CasConfig } from '../config/config.ts';
import { AppError } from '../errors.ts';
import type { CliIo } from './cli-io.ts';

/** The account a CLI command acts in: its client, its endpoint, and the way to run in its session. */
export interface CliAccount {
  client: CasClient;
  endpoint: string;
  run<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * The account `--account NAME` names (CERT_ACCOUNTS), assumed as the session `certbot-cli` with the purpose's
 * policy; without an accounts file, the one account (and `--account` may only name `default`).
 */
export async function cliAccount(
  io: CliIo,
  config: CasConfig,
  name: string | undefined,
  purpose: SessionPurpose,
): Promise<CliAccount> {
  const loaded = await loadAccounts({ cas: config, alerts: { channel: undefined, routes: [] } }, io.readFile);
  const accounts = createAccountCasFromConfig(
    { cas: config, alerts: { channel: undefined, routes: [] } },
    loaded,
    { env: io.env, homeDir: io.homeDir, now: Date.now },
  );
  const names = accounts.directory.accounts.map((a) => a.name);
  const account =
    name === undefined && names.length === 1
      ? accounts.directory.accounts[0]
      : accounts.directory.byName(name);
  if (!account) {
    const problem = name === undefined ? 'choose one with --account NAME' : `there is no account ${name}`;
    throw new AppError('CONFIG_INVALID', `${problem}; the accounts are: ${names.join(', ')}`);
  }
  return {
    client: accounts.cas,
    endpoint: loaded.file ? `${account.endpoint} (account ${account.name})` : account.endpoint,
    run: (work) => accounts.run({ account, sessionName: sessionNameOf('cli'), purpose }, work),
  };
}
