import { randomBytes } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { type Logger, silentLogger } from '../logger.ts';
import type { Pace } from './pacer.ts';
import type { Credentials } from './signing/sign-v3.ts';
import { defaultFetch, type FetchLike } from './transport.ts';

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call (e.g. the job's AbortSignal on shutdown). */
  signal?: AbortSignal;
}

/** Dependencies and settings of the CAS client (`createCasClient`). */
export interface CasClientOptions {
  /** Base URL, e.g. `https://cas.aliyuncs.com`. */
  endpoint: string;
  /** API version every call is made with (STS shares the machinery). @defaultValue 2020-04-07 (CAS) */
  version?: string;
  /** Returns the credentials to sign with; called for every request so that rotated keys are picked up. */
  credentials: () => Credentials | Promise<Credentials>;
  /** @defaultValue undici's fetch */
  fetch?: FetchLike;
  /** Passed to fetch (timeouts, proxy); see createCasDispatcher. */
  dispatcher?: Dispatcher;
  /** Whole-call deadline, milliseconds. @defaultValue 15000 */
  timeoutMs?: number;
  /** Current time, epoch milliseconds. @defaultValue Date.now */
  now?: () => number;
  /** A fresh unique nonce per request. @defaultValue 32 random hex bytes */
  nonce?: () => string;
  /** Waits between retries of read-only calls. @defaultValue setTimeout-based */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform [0, 1) for retry jitter. @defaultValue Math.random */
  random?: () => number;
  /** Extra tries for read-only calls on retryable errors. Renew is never retried here. @defaultValue 3 */
  readRetries?: number;
  /** First retry delay, milliseconds; doubles each time, capped at 10 s. @defaultValue 250 */
  retryBaseMs?: number;
  logger?: Logger;
  /** Waits before each request until the action's rate allows it, and hears when its answer is back (pacer.ts). */
  pace?: Pace;
  /** Called after every HTTP exchange (for metrics). */
  onCall?: (event: { action: string; durationMs: number; errorCode: string | undefined }) => void;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** The client's settings, defaults filled in. */
export interface Settings {
  options: CasClientOptions;
  endpoint: URL;
  fetch: FetchLike;
  timeoutMs: number;
  now: () => number;
  nonce: () => string;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  readRetries: number;
  retryBaseMs: number;
  logger: Logger;
}

/** The settings of a client, each default filled in. */
export function settingsOf(options: CasClientOptions): Settings {
  return {
    options,
    endpoint: new URL(options.endpoint),
    fetch: options.fetch ?? defaultFetch,
    timeoutMs: options.timeoutMs ?? 15_000,
    now: options.now ?? Date.now,
    nonce: options.nonce ?? (() => randomBytes(32).toString('hex')),
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
    readRetries: options.readRetries ?? 3,
    retryBaseMs: options.retryBaseMs ?? 250,
    logger: options.logger ?? silentLogger,
  };
}
