import { CasApiError, CasNetworkError } from '../cas/errors.ts';
import type { Credentials } from '../cas/signing/sign-v3.ts';
import type { SessionCredentials, StsClient } from '../cas/sts.ts';
import type { Account } from './accounts-file.ts';
import { type SessionPurpose, sessionPolicy } from './session-policy.ts';

/**
 * How long before its expiry a session is replaced, milliseconds: more than a CAS call with its read retries takes,
 * so a session is never used when it could expire on the way. @defaultValue 5 minutes
 */
export const sessionRenewMarginMs = 5 * 60_000;

/** Which session a call is made in: the account, who acts (ActionTrail's session name), what it may do. */
export interface SessionKey {
  account: Account;
  /** `certbot-<requestId>`, `certbot-scan`, … (2 to 64 of letters, digits, `. @ - _`). */
  sessionName: string;
  purpose: SessionPurpose;
}

/** The credentials of STS sessions, each assumed on first use and again only shortly before it expires. */
export interface SessionCredentialsCache {
  /** The session's credentials: cached ones while they live past the margin, else a new AssumeRole. */
  get(key: SessionKey): Promise<Credentials>;
}

/**
 * Caches sessions in memory only (never logged, never stored). Renewal is by the clock alone, before use: a failed
 * CAS call never triggers a new AssumeRole (a refused call is refused for its own reasons, and a retry in a new
 * session would hide them). A failed AssumeRole is not cached.
 */
export function createSessionCredentials(deps: {
  sts: StsClient;
  now: () => number;
  /** @defaultValue {@link sessionRenewMarginMs} */
  marginMs?: number;
}): SessionCredentialsCache {
  const margin = deps.marginMs ?? sessionRenewMarginMs;
  const sessions = new Map<string, SessionCredentials>();
  const inflight = new Map<string, Promise<SessionCredentials>>();
  const fresh = (s: SessionCredentials) => deps.now() < s.expiresAt - margin;
  const forget = () => {
    for (const [k, s] of sessions) if (!fresh(s)) sessions.delete(k);
  };
  return {
    async get({ account, sessionName, purpose }) {
      if (account.roleArn === undefined) throw new Error(`account ${account.name} has no role to assume`);
      const id = `${account.name}\n${sessionName}\n${purpose}`;
      const hit = sessions.get(id);
      if (hit && fresh(hit)) return hit;
      forget();
      let pending = inflight.get(id);
      if (!pending) {
        pending = deps.sts
          .assumeRole({
            roleArn: account.roleArn,
            roleSessionName: sessionName,
            durationSeconds: account.durationSeconds,
            externalId: account.externalId,
            policy: sessionPolicy(purpose),
          })
          .then((s) => {
            sessions.set(id, s);
            return s;
          }, explained(account))
          .finally(() => inflight.delete(id));
        inflight.set(id, pending);
      }
      return pending;
    },
  };
}

/**
 * An AssumeRole failure as the CAS call that needed it reports it: STS's refusal keeps its code (branch on it) with
 * a line naming the account, the role and what to check; a network failure says that nothing reached CAS (the CAS
 * call was never sent, whatever happened to the AssumeRole).
 */
function explained(account: Account) {
  return (err: unknown): never => {
    if (err instanceof CasApiError) {
      err.message = `Account ${account.name}: STS refused to assume ${account.roleArn} (${err.casCode}: ${err.casMessage}). Check the role's trust policy (the bot's principal${account.externalId ? ' and sts:ExternalId' : ''}) and the bot's AliyunSTSAssumeRoleAccess; nothing was sent to CAS.`;
      throw err;
    }
    if (err instanceof CasNetworkError)
      throw new CasNetworkError('AssumeRole', false, `account ${account.name}: STS not reached`, err);
    throw err;
  };
}
