/**
 * Every error the bot raises on purpose. Branch on `code`, never on `message`.
 */
export const errorCodes = [
  'CONFIG_INVALID',
  'CREDENTIALS_MISSING',
  'CREDENTIALS_INVALID',
  'CAS_API_ERROR',
  'CAS_NOT_SENT',
  'CAS_OUTCOME_UNKNOWN',
  'CAS_BAD_RESPONSE',
  'CSR_INVALID',
  'REDIS_NOT_DURABLE',
  /** A claim before a paid call is no longer the run's (state or token changed): nothing was sent. */
  'CLAIM_LOST',
  /** A CAS call outside the session of an account (no account bound, or another account's): nothing was sent. */
  'ACCOUNT_NOT_BOUND',
] as const;

/** A stable machine-readable error code. */
export type ErrorCode = (typeof errorCodes)[number];

/** Options shared by every {@link AppError}. */
export interface AppErrorOptions {
  /** The lower-level error, if any (standard `Error.cause`). */
  cause?: unknown;
  /** Whether doing the same thing again later may succeed. @defaultValue false */
  retryable?: boolean;
}

/** Base class of the bot's errors: a `code` to branch on and a `retryable` flag. */
export class AppError extends Error {
  override name = 'AppError';
  /** Stable code; see {@link errorCodes}. */
  readonly code: ErrorCode;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** Type guard for {@link AppError}, also across module copies (checks the shape, not the prototype). */
export function isAppError(value: unknown): value is AppError {
  return (
    value instanceof Error &&
    typeof (value as Partial<AppError>).code === 'string' &&
    typeof (value as Partial<AppError>).retryable === 'boolean' &&
    (errorCodes as readonly string[]).includes((value as AppError).code)
  );
}
