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
 * A CAS client as configured: credentials from the config (environment) or the credentials files (read on first
 * use and every 5 minutes, so a missing file fails the first call with the list of places looked at),
 * proxy-aware dispatcher, connect timeout a third of the whole-call timeout.
 */
export function createCasClientFromConfig(config: CasSettings, deps: CasClientDeps): CasClient {
  const timeoutMs = config.timeoutSeconds * 1000;
  // Files are read again every 5 minutes, so a rotated STS token is picked up without a restart; a failed read
  // is not cached, so fixing the file does not need one either.
  const fromFiles = createSingleFlightCache(
    async () => (await resolveCredentials({ env: deps.env, homeDir: deps.homeDir })).credentials,
    { ttlMs: credentialsRefreshMs, ...(deps.now ? { now: deps.now } : {}) },
  );
  const getCredentials = (): Credentials | Promise<Credentials> =>
    config.credentials ?? fromFiles.get('default');
  return createCasClient({
    endpoint: config.endpoint,
    credentials: getCredentials,
    dispatcher: createCasDispatcher({
      connectTimeoutMs: Math.max(1000, Math.round(timeoutMs / 3)),
      responseTimeoutMs: timeoutMs,
      proxy: config.proxy,
    }),
    timeoutMs,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.onCall ? { onCall: deps.onCall } : {}),
    ...(deps.pace ? { pace: deps.pace } : {}),
  });
}
