import { AsyncLocalStorage } from 'node:async_hooks';
import type { CasClient } from '../cas/client.ts';
import type { Credentials } from '../cas/signing/sign-v3.ts';
import { AppError } from '../errors.ts';
import type { AccountDirectory } from './account-directory.ts';
import type { Account } from './accounts-file.ts';
import type { SessionCredentialsCache } from './session-credentials.ts';
import type { SessionPurpose } from './session-policy.ts';

/** The session a piece of work acts in: its account, the STS session name ActionTrail shows, what it may do. */
export interface AccountSession {
  account: Account;
  /** `certbot-<requestId>`, `certbot-scan`, `certbot-by-<userId>`. */
  sessionName: string;
  purpose: SessionPurpose;
}

/**
 * The CAS clients of every account, and the session work runs in. `cas` acts in the account of the session it is
 * called in ({@link AccountCas.run}); outside one it acts in the one account when there is no accounts file, and
 * refuses (`ACCOUNT_NOT_BOUND`, nothing sent) when there is.
 */
export interface AccountCas {
  readonly directory: AccountDirectory;
  /** A CAS client that acts in the current session's account. */
  readonly cas: CasClient;
  /** Runs `work` in `session`: every CAS call it makes (through `cas`) acts in that account, as that session. */
  run<T>(session: AccountSession, work: () => Promise<T>): Promise<T>;
  /**
   * Runs `work` in the session `certbot-<label>` of the account named `accountName` (a record's binding; undefined:
   * the one account without a file); throws `ACCOUNT_NOT_BOUND`, nothing sent, when no account has that name.
   */
  actAs<T>(
    accountName: string | undefined,
    label: string,
    purpose: SessionPurpose,
    work: () => Promise<T>,
  ): Promise<T>;
  /**
   * Runs read-only `work` in the session `certbot-<label>` of the channel's account; throws `ACCOUNT_NOT_BOUND`,
   * nothing sent, for a channel of no account.
   */
  inChannel<T>(channelId: string, label: string, work: (account: Account) => Promise<T>): Promise<T>;
  /** The account of the current session (or the one account without a file); undefined: none bound. */
  current(): Account | undefined;
  /**
   * One `make()` per account, and an object whose methods call the current account's: for the caches that must
   * not mix accounts (the renewable-order index, the contact list).
   */
  perAccount<T extends object>(make: () => T): T;
}

/** What {@link createAccountCas} builds the clients from. */
export interface AccountCasDeps {
  directory: AccountDirectory;
  /** A CAS client of `account` (its endpoint, its pace) signing with `credentials`. */
  makeClient: (account: Account, credentials: () => Credentials | Promise<Credentials>) => CasClient;
  /** The bot's own credentials (the usual chain): used directly by an account without a role. */
  baseCredentials: () => Credentials | Promise<Credentials>;
  /** STS sessions; required when an account has a role. */
  sessions?: SessionCredentialsCache | undefined;
}

/** A CAS session name as STS accepts it: 2 to 64 of letters, digits, `. @ - _` (other characters become `-`). */
export function sessionNameOf(label: string): string {
  return `certbot-${label}`.replace(/[^A-Za-z0-9.@_-]/g, '-').slice(0, 64);
}

/** Builds the account clients (lazily, one per account) and the session machinery. */
export function createAccountCas(deps: AccountCasDeps): AccountCas {
  const { directory } = deps;
  const storage = new AsyncLocalStorage<AccountSession>();
  const current = (): Account | undefined =>
    storage.getStore()?.account ?? (directory.fromFile ? undefined : directory.accounts[0]);
  const notBound = (what: string) =>
    new AppError('ACCOUNT_NOT_BOUND', `${what}: no Alibaba account is bound to this work; nothing was sent`);

  /** Credentials of `account`: its role's session, only inside a session of that same account. */
  const credentialsOf = (account: Account) => {
    const { roleArn } = account;
    if (roleArn === undefined) return deps.baseCredentials;
    return async () => {
      const session = storage.getStore();
      if (session?.account.name !== account.name) throw notBound(`CAS call for account ${account.name}`);
      if (!deps.sessions) throw notBound(`account ${account.name} has a role but STS is not configured`);
      return deps.sessions.get(session);
    };
  };
  const clients = new Map<string, CasClient>();
  const clientOf = (account: Account) => {
    let client = clients.get(account.name);
    if (!client) {
      client = deps.makeClient(account, credentialsOf(account));
      clients.set(account.name, client);
    }
    return client;
  };

  /** One `make()` per account, made on first use in it. */
  function perAccount<T extends object>(make: () => T): T {
    const made = new Map<string, T>();
    // The method names come from one instance made outside any account (the factories have no side effects).
    return routedMethods(make(), () => {
      const account = current();
      if (!account) throw notBound('per-account state');
      let value = made.get(account.name);
      if (!value) {
        value = make();
        made.set(account.name, value);
      }
      return value;
    });
  }

  const first = directory.accounts[0];
  if (!first) throw new Error('an account directory has at least one account');
  const cas = routedMethods(clientOf(first), () => {
    const account = current();
    if (!account) throw notBound('CAS call');
    return clientOf(account);
  });
  return {
    directory,
    cas,
    run: (session, work) => storage.run(session, work),
    async inChannel(channelId, label, work) {
      const account = directory.accountFor(channelId);
      if (!account) throw notBound(`channel ${channelId} belongs to no account`);
      return storage.run({ account, sessionName: sessionNameOf(label), purpose: 'read' }, () =>
        work(account),
      );
    },
    async actAs(accountName, label, purpose, work) {
      const account = directory.byName(accountName);
      if (!account) throw notBound(`account ${accountName ?? '(none)'} is not in CERT_ACCOUNTS`);
      return storage.run({ account, sessionName: sessionNameOf(label), purpose }, work);
    },
    current,
    perAccount,
  };
}

/** An object with `template`'s methods, each calling the same method of the object `pick()` gives at call time. */
function routedMethods<T extends object>(template: T, pick: () => T): T {
  const routed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (typeof value !== 'function') continue;
    routed[key] = (...args: unknown[]) =>
      ((pick() as Record<string, unknown>)[key] as (...a: unknown[]) => unknown)(...args);
  }
  return routed as T;
}
