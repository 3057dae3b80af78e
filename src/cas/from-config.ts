import type { Logger } from '../logger.ts';
import { createSingleFlightCache } from '../single-flight-cache.ts';
import { type CasClient, type CasClientOptions, createCasClient } from './client.ts';
import { resolveCredentials } from './credentials.ts';
import type { Credentials } from './signing/sign-v3.ts';
import { createCasDispatcher, type ProxyOptions } from './transport.ts';

/** How often credentials from files are read again, milliseconds. */
export const credentialsRefreshMs = 5 * 60_000;

/**
 * What the CAS client is built from: the `cas` section of the config (`loadCasConfig`), declared here so that the
 * client does not depend on the config module (config sits above cas: it validates against CAS's product lists).
 */
export interface CasSettings {
  endpoint: string;
  /** Whole-request timeout, seconds. */
  timeoutSeconds: number;
  /** Credentials from the environment, when set; else the credentials files are read. */
  credentials: Credentials | undefined;
  proxy: ProxyOptions;
}

/** What {@link createCasClientFromConfig} reads besides the config. */
export interface CasClientDeps {
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  logger?: Logger;
  onCall?: CasClientOptions['onCall'];
  pace?: CasClientOptions['pace'];
  /** Clock of the credentials refresh. @defaultValue Date.now */
  now?: () => number;
}

/**
 * The bot's own credentials as configured: from the config (environment), else the credentials files (read on first
 * use and every 5 minutes, so a missing file fails the first call with the list of places looked at).
 */
export function baseCredentialsOf(
  config: CasSettings,
  deps: Pick<CasClientDeps, 'env' | 'homeDir' | 'now'>,
): () => Credentials | Promise<Credentials> {
  // Files are read again every 5 minutes, so a rotated STS token is picked up without a restart; a failed read
  // is not cached, so fixing the file does not need one either.
  const fromFiles = createSingleFlightCache(
    async () => (await resolveCredentials({ env: deps.env, homeDir: deps.homeDir })).credentials,
    { ttlMs: credentialsRefreshMs, ...(deps.now ? { now: deps.now } : {}) },
  );
  return () => config.credentials ?? fromFiles.get('default');
}

/** The dispatcher and timeout of every client to Alibaba (CAS, STS): proxy-aware, connect a third of the call. */
export function transportOf(config: CasSettings) {
  const timeoutMs = config.timeoutSeconds * 1000;
  return {
    timeoutMs,
    dispatcher: createCasDispatcher({
      connectTimeoutMs: Math.max(1000, Math.round(timeoutMs / 3)),
      responseTimeoutMs: timeoutMs,
      proxy: config.proxy,
    }),
  };
}

/**
 * A CAS client as configured: the base credentials ({@link baseCredentialsOf}) unless `deps.credentials` gives
 * others (an account's STS session), the config's endpoint unless `deps.endpoint` gives another, proxy-aware
 * dispatcher, connect timeout a third of the whole-call timeout.
 */
export function createCasClientFromConfig(
  config: CasSettings,
  deps: CasClientDeps & {
    credentials?: () => Credentials | Promise<Credentials>;
    endpoint?: string;
    /** Shared by the clients of several accounts. @defaultValue one of its own */
    transport?: ReturnType<typeof transportOf>;
  },
): CasClient {
  const { timeoutMs, dispatcher } = deps.transport ?? transportOf(config);
  return createCasClient({
    endpoint: deps.endpoint ?? config.endpoint,
    credentials: deps.credentials ?? baseCredentialsOf(config, deps),
    dispatcher,
    timeoutMs,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.onCall ? { onCall: deps.onCall } : {}),
    ...(deps.pace ? { pace: deps.pace } : {}),
  });
}
