import { AppError } from '../errors.ts';

/**
 * What a failed call did on the CAS side: `not_executed` (safe to send again), `rejected` (CAS answered "no";
 * sending again gets the same answer), `unknown` (it may have happened: for a paid call, never send it again
 * blindly — ask CAS what happened).
 */
export type CasOutcome = 'not_executed' | 'rejected' | 'unknown';

const throttlingPattern = /Throttling/;
const serverSideCodes = new Set(['ServiceUnavailable', 'InternalError', 'InternalFailure', 'UnknownError']);
const transientClientCodes = new Set(['SignatureNonceUsed']);

/**
 * How CAS's error `Code` is classified. On `Code` only: published HTTP statuses disagree between pages. An answer
 * carrying `x-acs-retry-after` is throttling whatever its code (Alibaba's SDK treats it so).
 */
export function classifyCasCode(
  code: string,
  httpStatus: number,
  retryAfterMs?: number,
): { retryable: boolean; outcome: CasOutcome } {
  if (throttlingPattern.test(code) || retryAfterMs !== undefined)
    return { retryable: true, outcome: 'not_executed' };
  if (transientClientCodes.has(code)) return { retryable: true, outcome: 'not_executed' };
  if (
    serverSideCodes.has(code) ||
    (httpStatus >= 500 && !/^(Invalid|Missing|Forbidden|NoPermission|NotFound)/.test(code))
  ) {
    return { retryable: true, outcome: 'unknown' };
  }
  return { retryable: false, outcome: 'rejected' };
}

/** Fields of an error body, as CAS sends it. */
export interface CasErrorBody {
  code: string;
  message: string;
  requestId: string | undefined;
  hostId: string | undefined;
  recommend: string | undefined;
}

/** CAS answered with an error body (`{RequestId, HostId, Code, Message, Recommend}`). */
export class CasApiError extends AppError {
  override name = 'CasApiError';
  /** CAS's own error code, e.g. `Throttling.User`, `SignatureDoesNotMatch`. */
  readonly casCode: string;
  /** CAS's own message, as sent. */
  readonly casMessage: string;
  readonly requestId: string | undefined;
  readonly hostId: string | undefined;
  /** A troubleshooting URL, when CAS gives one. */
  readonly recommend: string | undefined;
  readonly httpStatus: number;
  readonly action: string;
  readonly outcome: CasOutcome;
  /**
   * Milliseconds CAS asks to wait before retrying (`x-acs-retry-after`), when sent. Milliseconds because that is
   * how Alibaba's own SDK reads the header (openapi-core `getThrottlingTimeLeft`, capped at 120000).
   */
  readonly retryAfterMs: number | undefined;

  constructor(action: string, httpStatus: number, body: CasErrorBody, retryAfterMs?: number) {
    const { retryable, outcome } = classifyCasCode(body.code, httpStatus, retryAfterMs);
    super(
      'CAS_API_ERROR',
      `CAS ${action} failed: ${body.code}: ${body.message} (HTTP ${httpStatus}${body.requestId ? `, RequestId ${body.requestId}` : ''})`,
      { retryable },
    );
    this.casCode = body.code;
    this.casMessage = body.message;
    this.requestId = body.requestId;
    this.hostId = body.hostId;
    this.recommend = body.recommend;
    this.httpStatus = httpStatus;
    this.action = action;
    this.outcome = outcome;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The request failed on the network. `CAS_NOT_SENT` means CAS never saw it; `CAS_OUTCOME_UNKNOWN` means it may have. */
export class CasNetworkError extends AppError {
  override name = 'CasNetworkError';
  readonly action: string;
  readonly outcome: CasOutcome;

  constructor(action: string, sent: boolean, detail: string, cause: unknown) {
    super(
      sent ? 'CAS_OUTCOME_UNKNOWN' : 'CAS_NOT_SENT',
      sent
        ? `CAS ${action}: outcome unknown, the request was sent but no answer came (${detail})`
        : `CAS ${action}: not sent, could not reach CAS (${detail})`,
      { cause, retryable: true },
    );
    this.action = action;
    this.outcome = sent ? 'unknown' : 'not_executed';
  }
}

/** CAS answered 2xx with a body we cannot read (wrong shape, not JSON). */
export class CasResponseError extends AppError {
  override name = 'CasResponseError';
  readonly action: string;
  readonly outcome: CasOutcome = 'unknown';

  constructor(action: string, detail: string, cause?: unknown) {
    super('CAS_BAD_RESPONSE', `CAS ${action}: unexpected response: ${detail}`, { cause, retryable: false });
    this.action = action;
  }
}

/** Any error a CAS call raises. */
export type CasError = CasApiError | CasNetworkError | CasResponseError;

/**
 * Whether CAS definitely refused the call, by its error code (asking again gets the same answer). Anything else is
 * transient: the network, throttling, a server error, an answer that cannot be read (a cut or malformed body), or
 * Redis failing around the call (the pacer); those are tried again later, never reported as a refusal.
 */
export function isCasRefusal(err: unknown): err is CasApiError {
  return err instanceof CasApiError && err.outcome === 'rejected';
}

/** What a failed CAS call means for the operation: nothing happened, refused, or unknown (it may have happened). */
export function casOutcome(err: unknown): CasOutcome | undefined {
  if (err instanceof CasApiError || err instanceof CasNetworkError || err instanceof CasResponseError)
    return err.outcome;
  return undefined;
}
