import type { AddressInfo } from 'node:net';
import { createSecureContext, createServer, type Server } from 'node:tls';
import type { CasSimulator } from '../cas-sim/server.ts';

/**
 * Real local TLS servers, one per domain, each serving (by SNI) what the simulator's cloud resources serve for it
 * now: the old certificate before a deployment, the new one after, the old one again after a rollback. A domain in
 * `stale` keeps serving the certificate it served first (a CDN edge that has not caught up).
 */
export async function startTlsEndpoints(
  sim: () => CasSimulator,
  domains: readonly string[],
  options: { stale?: readonly string[] } = {},
) {
  const servers: Server[] = [];
  const ports = new Map<string, number>();
  const pinned = new Map<string, { certificatePem: string; privateKeyPem: string }>();
  const stale = new Set(options.stale ?? []);
  for (const domain of domains) {
    const server = createServer({
      SNICallback: (servername, cb) => {
        const old = stale.has(servername) ? pinned.get(servername) : undefined;
        const current = old ? Promise.resolve(old) : sim().served(servername);
        current.then(
          (served) => {
            if (!served) return cb(new Error(`nothing serves ${servername}`));
            if (stale.has(servername) && !pinned.has(servername)) pinned.set(servername, served);
            cb(null, createSecureContext({ cert: served.certificatePem, key: served.privateKeyPem }));
          },
          (err: Error) => cb(err),
        );
      },
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    ports.set(domain, (server.address() as AddressInfo).port);
  }
  return {
    ports,
    /** `CERT_TLS_RESOLVE` for these endpoints. */
    resolve: [...ports].map(([d, p]) => `${d}=127.0.0.1:${p}`).join(','),
    /** Pins a stale domain's certificate now (before the deployment changes what the simulator serves). */
    async pin(domain: string) {
      const served = await sim().served(domain);
      if (served) pinned.set(domain, served);
    },
    /** A stale domain catches up: from now on it serves what the simulator's resources serve. */
    unpin(domain: string) {
      stale.delete(domain);
      pinned.delete(domain);
    },
    async close() {
      for (const s of servers) await new Promise((r) => s.close(r));
    },
  };
}
