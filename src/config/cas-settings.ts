import { z } from 'zod';
import { crossVariableIssues, type Environment, throwConfigError } from './config-errors.ts';
import { type EnvOf, numberIn, optionalString, url } from './fields.ts';

/** The variables the CAS client needs (also all that the operator CLI needs). */
export const casEnvShape = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: optionalString,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: optionalString,
  ALIBABA_CLOUD_SECURITY_TOKEN: optionalString,
  CAS_ENDPOINT: url('https://cas.aliyuncs.com', ['http:', 'https:']),
  CAS_TIMEOUT_SECONDS: numberIn(15, 1, 300, false),
  HTTPS_PROXY: optionalString,
  HTTP_PROXY: optionalString,
  NO_PROXY: optionalString,
  CERT_ACCOUNTS: optionalString,
};

/** The `cas` section of the configuration. */
export function casSection(env: EnvOf<typeof casEnvShape>) {
  return {
    /** @defaultValue https://cas.aliyuncs.com */
    endpoint: env.CAS_ENDPOINT as string,
    /** Whole-request timeout, seconds. @defaultValue 15 */
    timeoutSeconds: env.CAS_TIMEOUT_SECONDS,
    /** Credentials from the environment, when set; else the credentials files are read. */
    credentials:
      env.ALIBABA_CLOUD_ACCESS_KEY_ID !== undefined && env.ALIBABA_CLOUD_ACCESS_KEY_SECRET !== undefined
        ? {
            accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID,
            accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
            securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN,
          }
        : undefined,
    proxy: { httpsProxy: env.HTTPS_PROXY, httpProxy: env.HTTP_PROXY, noProxy: env.NO_PROXY },
    /**
     * Path of the accounts file (YAML: per Alibaba account its channels, STS role and approvers), read and validated
     * at start-up (accounts/accounts-file.ts); unset: one account, reached with the credentials above.
     */
    accountsFile: env.CERT_ACCOUNTS,
  };
}

/** The CAS part alone (endpoint, credentials, timeout, proxy), for the operator CLI. */
export const CasConfig = z.object(casEnvShape).transform(casSection);
export type CasConfig = z.infer<typeof CasConfig>;

/** Parses only the variables the CAS client needs; errors as `loadConfig`'s. */
export function loadCasConfig(env: Environment): CasConfig {
  const pairIssues = crossVariableIssues(env).filter((i) => i.name.startsWith('ALIBABA_'));
  const result = CasConfig.safeParse(env);
  if (result.success && pairIssues.length === 0) return result.data;
  return throwConfigError(env, result.success ? [] : result.error.issues, pairIssues);
}
