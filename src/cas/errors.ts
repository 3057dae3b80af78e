import { AppError, isAppError } from '../errors.ts';

/**
 * What a failed call did on the CAS side: `not_executed` (safe to send again), `rejected` (CAS answered "no";
 * sending again gets the same answer), `unknown` (it may have happened: for a paid call, never send it again
 * blindly — ask CAS what happened).
 */
export type CasOutcome = 'not_executed' | 'rejected' | 'unknown';

/**
 * Why a CAS call failed, by its error code. Steps branch on this, never on the code's text:
 * - `throttled`: `Throttling`, `Throttling.*` (and, as Alibaba's SDK has it, any code containing `Throttling`);
 * - `nonce_used`: `SignatureNonceUsed` (sent again with a new nonce);
 * - `server_error`: CAS failed on its side; a paid call may have happened;
 * - `update_protection`: `InvalidStatus.UpdateProtection`, the instance cannot be updated now, try later (§7.3);
 * - `not_found`, `unknown_instance`, `unknown_action`, `no_permission`: the call is refused for this resource or
 *   this key; for the instance calls, that they are refused (§7, unverified for renew-created instances);
 * - `bad_credentials`, `signer`, `clock`: the key, the signing code, or the clock is wrong (§3);
 * - `product_required`, `product_not_offered`: a listing wants a `CloudProduct`, or this site does not offer it (§8);
 * - `bad_request`: any other `Invalid*`/`Missing*` code;
 * - `unlisted`: not in the table; its HTTP status decides (5xx: it may have happened).
 */
export type CasReason =
  | 'throttled'
  | 'nonce_used'
  | 'server_error'
  | 'update_protection'
  | 'not_found'
  | 'unknown_instance'
  | 'unknown_action'
  | 'no_permission'
  | 'bad_credentials'
  | 'signer'
  | 'clock'
  | 'product_required'
  | 'product_not_offered'
  | 'bad_request'
  | 'unlisted';

/**
 * CAS error codes (reference §3, §7–§8) and what they mean. A key ending in `*` is a family: every code starting
 * with what comes before the `*`. An exact code wins over a family, a longer family over a shorter one
 * (`InvalidAccessKeyId.NotFound` is `bad_credentials`, not `bad_request`).
 */
export const casCodeTable: Readonly<Record<string, CasReason>> = {
  'Throttling*': 'throttled',
  SignatureNonceUsed: 'nonce_used',
  ServiceUnavailable: 'server_error',
  InternalError: 'server_error',
  InternalFailure: 'server_error',
  UnknownError: 'server_error',
  'InvalidStatus.UpdateProtection': 'update_protection',
  'NotFound*': 'not_found',
  'InvalidInstanceId*': 'unknown_instance',
  'InvalidAction*': 'unknown_action',
  'InvalidApi*': 'unknown_action',
  UnsupportedHTTPMethod: 'unknown_action',
  'Forbidden*': 'no_permission',
  'NoPermission*': 'no_permission',
  'InvalidAccessKeyId*': 'bad_credentials',
  'InvalidSecurityToken*': 'bad_credentials',
  SignatureDoesNotMatch: 'bad_credentials',
  IncompleteSignature: 'signer',
  InvalidSignatureMethod: 'signer',
  'InvalidTimeStamp*': 'clock',
  MissingCloudProduct: 'product_required',
  'MissingParameter.CloudProduct': 'product_required',
  'InvalidParameter.CloudProduct': 'product_not_offered',
  'NotSupported.CloudProduct': 'product_not_offered',
  'Invalid*': 'bad_request',
  'Missing*': 'bad_request',
};

const exactCodes = new Map(Object.entries(casCodeTable).filter(([key]) => !key.endsWith('*')));
const families = Object.entries(casCodeTable)
  .filter(([key]) => key.endsWith('*'))
  .map(([key, reason]) => [key.slice(0, -1), reason] as const)
  .sort(([a], [b]) => b.length - a.length);

/** The {@link CasReason} of a CAS error code, through {@link casCodeTable}. */
export function casReasonOf(code: string): CasReason {
  const exact = exactCodes.get(code);
  if (exact) return exact;
  // Alibaba's SDK raises its ThrottlingError for any code containing `Throttling` (openapi-core `callApi`).
  if (code.includes('Throttling')) return 'throttled';
  return families.find(([prefix]) => code.startsWith(prefix))?.[1] ?? 'unlisted';
}

/** What each reason means for the call: what happened on the CAS side, and whether the client may resend it. */
const reasonOutcomes: Record<Exclude<CasReason, 'unlisted'>, { outcome: CasOutcome; retryable: boolean }> = {
  throttled: { outcome: 'not_executed', retryable: true },
  nonce_used: { outcome: 'not_executed', retryable: true },
  server_error: { outcome: 'unknown', retryable: true },
  // Refused now; the apply step tries again later (the protection outlasts the client's quick retries).
  update_protection: { outcome: 'rejected', retryable: false },
  not_found: { outcome: 'rejected', retryable: false },
  unknown_instance: { outcome: 'rejected', retryable: false },
  unknown_action: { outcome: 'rejected', retryable: false },
  no_permission: { outcome: 'rejected', retryable: false },
  bad_credentials: { outcome: 'rejected', retryable: false },
  signer: { outcome: 'rejected', retryable: false },
  clock: { outcome: 'rejected', retryable: false },
  product_required: { outcome: 'rejected', retryable: false },
  product_not_offered: { outcome: 'rejected', retryable: false },
  bad_request: { outcome: 'rejected', retryable: false },
};

/**
 * How CAS's error `Code` is classified, through {@link casCodeTable}; a code not in the table by its HTTP status
 * (5xx: it may have happened). On `Code` first: published HTTP statuses disagree between pages. An answer carrying
 * `x-acs-retry-after` is throttling whatever its code (Alibaba's SDK treats it so).
 */
export function classifyCasCode(
  code: string,
  httpStatus: number,
  retryAfterMs?: number,
): { reason: CasReason; retryable: boolean; outcome: CasOutcome } {
  const reason = retryAfterMs !== undefined ? 'throttled' : casReasonOf(code);
  if (reason !== 'unlisted') return { reason, ...reasonOutcomes[reason] };
  return httpStatus >= 500
    ? { reason, retryable: true, outcome: 'unknown' }
    : { reason, retryable: false, outcome: 'rejected' };
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
  /** What the code means, through {@link casCodeTable}. */
  readonly reason: CasReason;
  /**
   * Milliseconds CAS asks to wait before retrying (`x-acs-retry-after`), when sent. Milliseconds because that is
   * how Alibaba's own SDK reads the header (openapi-core `getThrottlingTimeLeft`, capped at 120000).
   */
  readonly retryAfterMs: number | undefined;

  constructor(action: string, httpStatus: number, body: CasErrorBody, retryAfterMs?: number) {
    const { reason, retryable, outcome } = classifyCasCode(body.code, httpStatus, retryAfterMs);
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
    this.reason = reason;
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

/** The CAS reason of an error: its {@link CasReason} when CAS answered with an error code, otherwise undefined. */
export function casReason(err: unknown): CasReason | undefined {
  return err instanceof CasApiError ? err.reason : undefined;
}

/** Reasons with which CAS refuses the instance calls for an instance (§7: unverified for renew-created ones). */
const instanceApiRefusals: ReadonlySet<CasReason> = new Set([
  'not_found',
  'unknown_instance',
  'unknown_action',
  'no_permission',
]);

/** Whether CAS refused an instance call (GetInstanceDetail, UpdateInstance…) for this instance or this key. */
export function isInstanceApiRefusal(err: unknown): err is CasApiError {
  return err instanceof CasApiError && instanceApiRefusals.has(err.reason);
}

/** Whether CAS refused the bot's key: no permission for the call, or a key, token or signature it rejects. */
export function isPermissionRefusal(err: unknown): err is CasApiError {
  return err instanceof CasApiError && (err.reason === 'no_permission' || err.reason === 'bad_credentials');
}

/**
 * The code of any error, to show or log: CAS's own code (`Throttling.User`), else the bot's {@link AppError} code
 * (`CAS_NOT_SENT`), else `fallback`.
 */
export function errorCode(err: unknown, fallback = 'error'): string {
  if (err instanceof CasApiError) return err.casCode;
  return isAppError(err) ? err.code : fallback;
}

/** The milliseconds CAS asked to wait before trying again (`x-acs-retry-after`), when it did. */
export function retryAfterMs(err: unknown): number | undefined {
  return err instanceof CasApiError ? err.retryAfterMs : undefined;
}
