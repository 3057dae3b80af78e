import { cloudProducts, deployProductsOf } from '../cas/cloud-products.ts';
import { type EnvOf, oneOf, subsetOf, tlsResolveMap } from './fields.ts';

/** How the bot installs renewed certificates (`CERT_DEPLOY`, `CERT_TLS_CHECK`, …). */
export interface DeploySettings {
  /** `ask`: propose a deployment after issuance; `off`: no deployment step. */
  mode: 'ask' | 'off';
  /** Cloud products searched for the old certificate. */
  products: readonly string[];
  /** Check that deployed endpoints serve the new certificate. */
  tlsCheck: boolean;
  /** Where a domain is dialled instead of DNS (`CERT_TLS_RESOLVE`). */
  tlsResolve: ReadonlyMap<string, { host: string; port: number }>;
  /** TLS checks before reporting endpoints still serving something else (CDN propagation takes minutes). */
  tlsAttempts: number;
}

/** The deployment variables. */
export const deployEnvShape = {
  CERT_DEPLOY: oneOf('ask', ['ask', 'off']),
  CERT_DEPLOY_PRODUCTS: subsetOf(cloudProducts),
  CERT_TLS_CHECK: oneOf('on', ['on', 'off']),
  CERT_TLS_RESOLVE: tlsResolveMap,
};

/** The `deploy` section of the configuration; the default products are those of the CAS site `casEndpoint`. */
export function deploySection(env: EnvOf<typeof deployEnvShape>, casEndpoint: string) {
  return {
    /** `ask`: a deployment card after issuance; `off`: no deployment step. @defaultValue ask */
    mode: env.CERT_DEPLOY,
    /** Cloud products searched for the old certificate. @defaultValue every product the site (CAS_ENDPOINT) supports */
    products: env.CERT_DEPLOY_PRODUCTS ?? deployProductsOf(casEndpoint),
    /** Check over TLS that deployed endpoints serve the new certificate. @defaultValue true */
    tlsCheck: env.CERT_TLS_CHECK === 'on',
    /** Where the TLS check dials a domain instead of DNS. */
    tlsResolve: env.CERT_TLS_RESOLVE,
  };
}
