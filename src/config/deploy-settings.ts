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
