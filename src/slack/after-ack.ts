/**
 * Runs the slow part of Slack listeners (CAS look-ups, Redis, posting) after the ack, at most `concurrency` at
 * a time. Under a burst, unbounded post-ack work fills the event loop and delays the *next* requests' acks;
 * capped, acks keep going out at once and the work drains behind them (measured with `npm run bench`).
 */
export function createAfterAckQueue(concurrency: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    running -= 1;
    waiting.shift()?.();
  };
  return async function afterAck<T>(work: () => Promise<T>): Promise<T> {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await work();
    } finally {
      release();
    }
  };
}

/** Runs work after the ack. */
export type AfterAck = ReturnType<typeof createAfterAckQueue>;
