/** The claim a paid call is fenced on: its record, the state it put there, and the token written with it. */
export interface ClaimFence {
  key: string;
  state: string;
  /** The claim's token (`intentId`); without one only the state is checked. */
  token: string | undefined;
  /** What `mark()` answered just before the claim's script (the connection it went out on). */
  mark: number | undefined;
}

/**
 * What the store calls after a `durable` move: resolves once the claim is durable and still this run's, just
 * before the paid call. Throws `REDIS_NOT_DURABLE` (retryable) when Redis cannot confirm it, `CLAIM_LOST` when the
 * record is no longer in the claimed state with this token: either way nothing may be sent. `mark`, called just
 * before the claim's script, notes which connection it goes out on.
 */
export type DurableClaims = ((claim: ClaimFence) => Promise<void>) & { mark?: () => number };
