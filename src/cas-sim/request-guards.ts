import { SimError } from './sim-error.ts';

const nonceWindowMs = 15 * 60 * 1000;

/** The checks CAS makes on every signed request: nonce reuse within 15 minutes, and per-action QPS limits. */
export function createRequestGuards(deps: { now: () => number; qps: Readonly<Record<string, number>> }) {
  const nonces = new Map<string, number>();
  const recent = new Map<string, number[]>();
  return {
    /** Refuses a signature nonce seen within the window (`SignatureNonceUsed`). */
    checkNonce(nonce: string): void {
      const t = deps.now();
      for (const [n, at] of nonces) if (t - at > nonceWindowMs) nonces.delete(n);
      if (nonces.has(nonce))
        throw new SimError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
      nonces.set(nonce, t);
    },
    /** Refuses a call over its action's calls-per-second limit for this AccessKey (`Throttling.User`). */
    checkQps(action: string, accessKeyId: string): void {
      const limit = deps.qps[action];
      if (limit === undefined) return;
      const t = deps.now();
      const key = `${accessKeyId}/${action}`;
      const times = (recent.get(key) ?? []).filter((x) => t - x < 1000);
      if (times.length >= limit) {
        recent.set(key, times);
        throw new SimError(400, 'Throttling.User', 'Request was denied due to user flow control.');
      }
      times.push(t);
      recent.set(key, times);
    },
  };
}
