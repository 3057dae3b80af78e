import type { z } from 'zod';
import { type CallOptions, type CasClientOptions, type Settings, settingsOf } from './client-options.ts';
import { apiError } from './error-body.ts';
import {
  CasApiError,
  type CasError,
  CasNetworkError,
  CasResponseError,
  errorCode as casErrorCode,
} from './errors.ts';
import { parseCasJson } from './int64-json.ts';
import { canonicalQuery } from './signing/canonical.ts';
import { signV3 } from './signing/sign-v3.ts';
import { failedBeforeSending, networkErrorCode } from './transport.ts';

/** CAS API version every call is made with. */
export const casApiVersion = '2020-04-07';

/** Orders or contacts per page: ShowSize above 50 is undocumented, so no call asks for more. */
export const maxPageSize = 50;

/** A request's parameters, in order (signed and sent as the query string). */
export type Query = Array<[string, string]>;

/** One CAS action: its query, the schema its answer must match, the parsed answer. */
export type Call = <S extends z.ZodType>(
  action: string,
  query: Query,
  schema: S,
  options: CallOptions,
) => Promise<z.output<S>>;

/** A {@link Call} that also takes the client's settings first. */
type SettingsCall = <S extends z.ZodType>(
  settings: Settings,
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

/**
 * The read of `action` for the one ID it takes, named `param`: the ID's form is checked first (`check` throws,
 * and nothing is sent, for a bad one).
 */
export function readById<S extends z.ZodType>(
  caller: CasCaller,
  action: string,
  [param, check]: [string, (id: string) => void],
  schema: S,
): (id: string, options?: CallOptions) => Promise<z.output<S>> {
  return async (id, options = {}) => {
    check(id);
    return caller.read(action, [[param, id]], schema, options);
  };
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

/** The signed headers and URL of one request (credentials read anew, so rotated keys are picked up). */
async function signedRequest(s: Settings, action: string, query: Query) {
  const credentials = await s.options.credentials();
  const headers = signV3({
    method: 'POST',
    host: s.endpoint.host,
    action,
    version: s.options.version ?? casApiVersion,
    query,
    credentials,
    date: new Date(s.now()),
    nonce: s.nonce(),
  });
  const qs = canonicalQuery(query);
  return { headers, url: `${s.endpoint.origin}/${qs === '' ? '' : `?${qs}`}` };
}

/** The HTTP exchange; a failure to get an answer is a CasNetworkError saying whether the request was sent. */
async function exchange(
  s: Settings,
  action: string,
  request: { url: string; headers: Record<string, string> },
  signal: AbortSignal,
  callOptions: CallOptions,
) {
  try {
    const response = await s.fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      signal,
      ...(s.options.dispatcher ? { dispatcher: s.options.dispatcher } : {}),
    });
    return { response, text: await response.text() };
  } catch (err) {
    const sent = !failedBeforeSending(err);
    const detail = signal.aborted
      ? callOptions.signal?.aborted
        ? 'aborted'
        : `no answer within ${s.timeoutMs} ms`
      : (networkErrorCode(err) ?? (err as Error).message);
    throw new CasNetworkError(action, sent, detail, err);
  }
}

/** One signed request and its parsed answer, reported to `onCall` and the debug log however it ends. */
const sendOnce: SettingsCall = async (s, action, query, schema, callOptions) => {
  const request = await signedRequest(s, action, query);
  const started = performance.now();
  if (callOptions.signal?.aborted) {
    throw new CasNetworkError(action, false, 'aborted before sending', callOptions.signal.reason);
  }
  const signal = callOptions.signal
    ? AbortSignal.any([callOptions.signal, AbortSignal.timeout(s.timeoutMs)])
    : AbortSignal.timeout(s.timeoutMs);
  let errorCode: string | undefined;
  try {
    const { response, text } = await exchange(s, action, request, signal, callOptions);
    if (response.status < 200 || response.status >= 300) {
      throw apiError(action, response.status, text, response.headers.get('x-acs-retry-after'));
    }
    return parseAnswer(action, response.status, text, schema);
  } catch (err) {
    errorCode = casErrorCode(err);
    throw err;
  } finally {
    const durationMs = performance.now() - started;
    s.options.onCall?.({ action, durationMs, errorCode });
    s.logger.debug({ cas: { action, durationMs: Math.round(durationMs), errorCode } }, 'CAS call');
  }
};

const callOnce: SettingsCall = async (s, action, query, schema, callOptions) => {
  const paced = await s.options.pace?.(action);
  try {
    return await sendOnce(s, action, query, schema, callOptions);
  } finally {
    paced?.();
  }
};

/** How long to wait before retry `attempt + 1`: CAS's hint (at most 2 minutes), else jittered backoff. */
function retryDelay(s: Settings, err: unknown, attempt: number): number {
  const hinted = err instanceof CasApiError ? err.retryAfterMs : undefined;
  const backoff = Math.min(10_000, s.retryBaseMs * 2 ** attempt);
  return hinted !== undefined
    ? Math.min(hinted, 120_000)
    : Math.round(backoff / 2 + (s.random() * backoff) / 2);
}

const callRead: SettingsCall = async (s, action, query, schema, callOptions) => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await callOnce(s, action, query, schema, callOptions);
    } catch (err) {
      const retryable = (err as CasError).retryable === true;
      if (!retryable || attempt >= s.readRetries || callOptions.signal?.aborted) throw err;
      const delay = retryDelay(s, err, attempt);
      s.logger.warn(
        { cas: { action, attempt: attempt + 1, delayMs: delay, code: (err as CasError).code } },
        'CAS call retried',
      );
      await s.sleep(delay, callOptions.signal);
    }
  }
};

async function callPages<T>(
  s: Settings,
  action: string,
  base: Query,
  schema: z.ZodType<{ Data: T[]; Total?: number | undefined }>,
  callOptions: CallOptions,
): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; ; page++) {
    const r = await callRead(
      s,
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

/** Creates the request machinery of a CAS client: signing, transport, retries, paging, pacing, error mapping. */
export function createCasCaller(options: CasClientOptions): CasCaller {
  const s = settingsOf(options);
  return {
    once: (action, query, schema, callOptions) => callOnce(s, action, query, schema, callOptions),
    read: (action, query, schema, callOptions) => callRead(s, action, query, schema, callOptions),
    pages: (action, base, schema, callOptions) => callPages(s, action, base, schema, callOptions),
  };
}
