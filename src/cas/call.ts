import { randomBytes } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { type Logger, silentLogger } from '../logger.ts';
import { apiError } from './error-body.ts';
import { CasApiError, type CasError, CasNetworkError, CasResponseError } from './errors.ts';
import { parseCasJson } from './int64-json.ts';
import type { Pace } from './pacer.ts';
import { canonicalQuery } from './signing/canonical.ts';
import { type Credentials, signV3 } from './signing/sign-v3.ts';
import { defaultFetch, type FetchLike, failedBeforeSending, networkErrorCode } from './transport.ts';

/** CAS API version every call is made with. */
export const casApiVersion = '2020-04-07';

/** Orders or contacts per page: ShowSize above 50 is undocumented, so no call asks for more. */
export const maxPageSize = 50;

/** A request's parameters, in order (signed and sent as the query string). */
export type Query = Array<[string, string]>;

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call (e.g. the job's AbortSignal on shutdown). */
  signal?: AbortSignal;
}

/** Dependencies and settings of the CAS client (`createCasClient`). */
export interface CasClientOptions {
  /** Base URL, e.g. `https://cas.aliyuncs.com`. */
  endpoint: string;
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

/** One CAS action: its query, the schema its answer must match, the parsed answer. */
export type Call = <S extends z.ZodType>(
  action: string,
  query: Query,
  schema: S,
  options: CallOptions,
) => Promise<z.output<S>>;

/** The shared request machinery every API family calls through: signed, paced, parsed, mapped to CAS errors. */
export interface CasCaller {
  /** One paced, signed request; never retried (paid or once-only calls). */
  once: Call;
  /** A read-only or idempotent request, retried with backoff on retryable errors. */
  read: Call;
  /** Every item of a `Data[]`/`Total` list, 50 per page. */
  pages<T>(
    action: string,
    base: Query,
    schema: z.ZodType<{ Data: T[]; Total?: number | undefined }>,
    options: CallOptions,
  ): Promise<T[]>;
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

/** The CAS error code of a failed call, for metrics and logs. */
function errorCodeOf(err: unknown): string | undefined {
  return (err as CasError).code === 'CAS_API_ERROR' ? (err as CasApiError).casCode : (err as CasError).code;
}

/** The body of a 2xx answer, parsed as int64-exact JSON and checked against the action's schema. */
function parseAnswer<S extends z.ZodType>(
  action: string,
  status: number,
  text: string,
  schema: S,
): z.output<S> {
  let body: unknown;
  try {
    body = parseCasJson(text);
  } catch (err) {
    throw new CasResponseError(action, `HTTP ${status} body is not JSON`, err);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new CasResponseError(
      action,
      parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  }
  return parsed.data;
}

/** Creates the request machinery of a CAS client: signing, transport, retries, paging, pacing, error mapping. */
export function createCasCaller(options: CasClientOptions): CasCaller {
  const endpoint = new URL(options.endpoint);
  const doFetch = options.fetch ?? defaultFetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const now = options.now ?? Date.now;
  const nonce = options.nonce ?? (() => randomBytes(32).toString('hex'));
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const readRetries = options.readRetries ?? 3;
  const retryBaseMs = options.retryBaseMs ?? 250;
  const logger = options.logger ?? silentLogger;

  async function signedRequest(action: string, query: Query) {
    const credentials = await options.credentials();
    const headers = signV3({
      method: 'POST',
      host: endpoint.host,
      action,
      version: casApiVersion,
      query,
      credentials,
      date: new Date(now()),
      nonce: nonce(),
    });
    const qs = canonicalQuery(query);
    return { headers, url: `${endpoint.origin}/${qs === '' ? '' : `?${qs}`}` };
  }

  /** The HTTP exchange; a failure to get an answer is a CasNetworkError saying whether the request was sent. */
  async function exchange(
    action: string,
    request: { url: string; headers: Record<string, string> },
    signal: AbortSignal,
    callOptions: CallOptions,
  ) {
    try {
      const response = await doFetch(request.url, {
        method: 'POST',
        headers: request.headers,
        signal,
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      });
      return { response, text: await response.text() };
    } catch (err) {
      const sent = !failedBeforeSending(err);
      const detail = signal.aborted
        ? callOptions.signal?.aborted
          ? 'aborted'
          : `no answer within ${timeoutMs} ms`
        : (networkErrorCode(err) ?? (err as Error).message);
      throw new CasNetworkError(action, sent, detail, err);
    }
  }

  const sendOnce: Call = async (action, query, schema, callOptions) => {
    const request = await signedRequest(action, query);
    const started = performance.now();
    if (callOptions.signal?.aborted) {
      throw new CasNetworkError(action, false, 'aborted before sending', callOptions.signal.reason);
    }
    const signal = callOptions.signal
      ? AbortSignal.any([callOptions.signal, AbortSignal.timeout(timeoutMs)])
      : AbortSignal.timeout(timeoutMs);
    let errorCode: string | undefined;
    try {
      const { response, text } = await exchange(action, request, signal, callOptions);
      if (response.status < 200 || response.status >= 300) {
        throw apiError(action, response.status, text, response.headers.get('x-acs-retry-after'));
      }
      return parseAnswer(action, response.status, text, schema);
    } catch (err) {
      errorCode = errorCodeOf(err);
      throw err;
    } finally {
      const durationMs = performance.now() - started;
      options.onCall?.({ action, durationMs, errorCode });
      logger.debug({ cas: { action, durationMs: Math.round(durationMs), errorCode } }, 'CAS call');
    }
  };

  const callOnce: Call = async (action, query, schema, callOptions) => {
    const paced = await options.pace?.(action);
    try {
      return await sendOnce(action, query, schema, callOptions);
    } finally {
      paced?.();
    }
  };

  const callRead: Call = async (action, query, schema, callOptions) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await callOnce(action, query, schema, callOptions);
      } catch (err) {
        const retryable = (err as CasError).retryable === true;
        if (!retryable || attempt >= readRetries || callOptions.signal?.aborted) throw err;
        const hinted = err instanceof CasApiError ? err.retryAfterMs : undefined;
        const backoff = Math.min(10_000, retryBaseMs * 2 ** attempt);
        const delay =
          hinted !== undefined
            ? Math.min(hinted, 120_000)
            : Math.round(backoff / 2 + (random() * backoff) / 2);
        logger.warn(
          { cas: { action, attempt: attempt + 1, delayMs: delay, code: (err as CasError).code } },
          'CAS call retried',
        );
        await sleep(delay, callOptions.signal);
      }
    }
  };

  async function pages<T>(
    action: string,
    base: Query,
    schema: z.ZodType<{ Data: T[]; Total?: number | undefined }>,
    callOptions: CallOptions,
  ): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; ; page++) {
      const r = await callRead(
        action,
        [...base, ['CurrentPage', String(page)], ['ShowSize', String(maxPageSize)]],
        schema,
        callOptions,
      );
      items.push(...r.Data);
      // A list may cap ShowSize below what was asked: a short page is not the last one (reference §8).
      if (r.Data.length === 0 || items.length >= (r.Total ?? 0)) return items;
    }
  }

  return { once: callOnce, read: callRead, pages };
}
