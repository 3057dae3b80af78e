import { connect } from 'node:tls';
import type { TlsResult } from '../renewals/deployment.ts';

/** Where to dial a domain: `CERT_TLS_RESOLVE`'s entry, else the domain itself on 443 (DNS). */
export function tlsAddress(
  domain: string,
  resolve: ReadonlyMap<string, { host: string; port: number }>,
): { host: string; port: number } {
  return resolve.get(domain.toLowerCase()) ?? { host: domain, port: 443 };
}

/**
 * Connects to `domain` with SNI and reads the leaf certificate it serves. The chain is not verified on purpose:
 * the question is *which* certificate is served (compared by SHA-256 fingerprint), not whether this host trusts it.
 */
export function servedFingerprint(
  domain: string,
  address: { host: string; port: number },
  timeoutMs: number,
): Promise<{ sha256: string } | { error: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (value: { sha256: string } | { error: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const socket = connect({
      host: address.host,
      port: address.port,
      servername: domain,
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => done({ error: `no TLS answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate();
      done(cert ? { sha256: cert.fingerprint256 } : { error: 'no certificate served' });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
  });
}

/**
 * Checks every domain: `new` when it serves `expected` (SHA-256, colon-separated hex), `old` when it serves
 * `previous`, `other` for anything else, `unreachable` when no certificate could be read.
 */
export async function checkEndpoints(
  domains: readonly string[],
  expected: string,
  options: {
    previous?: string | undefined;
    resolve: ReadonlyMap<string, { host: string; port: number }>;
    timeoutMs?: number;
  },
): Promise<TlsResult[]> {
  const norm = (f: string) => f.replace(/:/g, '').toUpperCase();
  return Promise.all(
    domains.map(async (domain): Promise<TlsResult> => {
      const address = tlsAddress(domain, options.resolve);
      const shown = `${address.host}:${address.port}`;
      const served = await servedFingerprint(domain, address, options.timeoutMs ?? 5_000);
      if ('error' in served) return { domain, address: shown, outcome: 'unreachable', error: served.error };
      const outcome =
        norm(served.sha256) === norm(expected)
          ? 'new'
          : options.previous && norm(served.sha256) === norm(options.previous)
            ? 'old'
            : 'other';
      return { domain, address: shown, outcome, sha256: served.sha256 };
    }),
  );
}
