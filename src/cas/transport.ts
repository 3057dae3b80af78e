import { type Dispatcher, EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';

/** The part of `fetch` the CAS client uses; undici's `fetch` by default, injectable for tests. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; signal: AbortSignal; dispatcher?: Dispatcher },
) => Promise<{ status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>;

/** Proxy settings, as `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` give them. */
export interface ProxyOptions {
  httpsProxy?: string | undefined;
  httpProxy?: string | undefined;
  noProxy?: string | undefined;
}

/**
 * An undici dispatcher that honours the proxy variables and bounds the connection phase separately from the
 * response, so that "could not connect" (not sent) and "sent, no answer" (outcome unknown) can be told apart.
 */
export function createCasDispatcher(options: {
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  proxy?: ProxyOptions;
}): Dispatcher {
  const proxy = options.proxy ?? {};
  return new EnvHttpProxyAgent({
    ...(proxy.httpsProxy !== undefined ? { httpsProxy: proxy.httpsProxy } : {}),
    ...(proxy.httpProxy !== undefined ? { httpProxy: proxy.httpProxy } : {}),
    ...(proxy.noProxy !== undefined ? { noProxy: proxy.noProxy } : {}),
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: options.responseTimeoutMs,
    bodyTimeout: options.responseTimeoutMs,
  });
}

export const defaultFetch: FetchLike = (url, init) => undiciFetch(url, init);

/**
 * Network error codes raised before any byte of the request can have reached CAS (DNS, refused, connect timeout,
 * TLS handshake). Everything else after `fetch` started counts as "maybe sent".
 */
const notSentCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** Walks `cause` links for the first network error code. */
export function networkErrorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
    current = current.cause;
  }
  return undefined;
}

/** Whether a fetch failure happened before the request could have been sent. */
export function failedBeforeSending(err: unknown): boolean {
  const code = networkErrorCode(err);
  return code !== undefined && notSentCodes.has(code);
}
