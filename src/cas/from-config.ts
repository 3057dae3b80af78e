import type { CasConfig } from '../config/config.ts';
import type { Logger } from '../logger.ts';
import { type CasClient, type CasClientOptions, createCasClient } from './client.ts';
import { resolveCredentials } from './credentials.ts';
import type { Credentials } from './signing/sign-v3.ts';
import { createCasDispatcher } from './transport.ts';

/** What {@link createCasClientFromConfig} reads besides the config. */
export interface CasClientDeps {
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  logger?: Logger;
  onCall?: CasClientOptions['onCall'];
  pace?: CasClientOptions['pace'];
}

/**
 * A CAS client as configured: credentials from the config (environment) or the credentials files (resolved on
 * first use, so a missing file fails the first call with the list of places looked at, not the import),
 * proxy-aware dispatcher, connect timeout a third of the whole-call timeout.
 */
export function createCasClientFromConfig(config: CasConfig, deps: CasClientDeps): CasClient {
  const timeoutMs = config.timeoutSeconds * 1000;
  let credentials: Promise<Credentials> | undefined;
  const getCredentials = () => {
    if (config.credentials) return config.credentials;
    credentials ??= resolveCredentials({ env: deps.env, homeDir: deps.homeDir }).then((r) => r.credentials);
    // A failed lookup is not cached: fixing the file should not need a restart.
    credentials.catch(() => {
      credentials = undefined;
    });
    return credentials;
  };
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
