import type { Pace } from '../src/cas/pacer.ts';
import { findOrStartRedis } from '../src/dev/redis-server.ts';
import { benchScan } from './scan.ts';

// Investigation: the expiry scan under other pacing schemes, against the simulator that enforces CAS's 10 calls in
// any one second, counted on arrival (`npx tsx bench/scan-pacers.ts [orders]`). The alternatives run in-process
// (the scan is one process); the bot's pacer is the Redis one.
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const done = async () => {};

/** A sliding window of the moments calls were sent. */
function sentWindow(windowMs: number, limit = 10): Pace {
  const sent: number[] = [];
  return async () => {
    for (;;) {
      const now = Date.now();
      while (sent.length > 0 && (sent[0] ?? 0) <= now - windowMs) sent.shift();
      if (sent.length < limit) {
        sent.push(now);
        return done;
      }
      await sleep((sent[0] ?? now) + windowMs - now);
    }
  };
}

/** A token bucket: `rate` tokens a second, at most `capacity` saved up. */
function tokenBucket(rate: number, capacity: number): Pace {
  let tokens = capacity;
  let at = Date.now();
  return async () => {
    for (;;) {
      const now = Date.now();
      tokens = Math.min(capacity, tokens + ((now - at) * rate) / 1000);
      at = now;
      if (tokens >= 1) {
        tokens -= 1;
        return done;
      }
      await sleep(Math.ceil(((1 - tokens) * 1000) / rate));
    }
  };
}

const redis = await findOrStartRedis(process.env);
const n = Number(process.argv[2] ?? 10_000);
const variants: Array<[string, (() => Pace) | undefined]> = [
  ['the bot: window until a second after each answer (Redis)', undefined],
  ['window of send times, 1,000 ms', () => sentWindow(1_000)],
  ['window of send times, 1,100 ms (the previous pacer)', () => sentWindow(1_100)],
  ['token bucket 10/s, capacity 10', () => tokenBucket(10, 10)],
  ['token bucket 10/s, capacity 1', () => tokenBucket(10, 1)],
];
for (const [label, pacer] of variants) {
  const r = await benchScan(redis.url, n, pacer).catch((err: Error) => ({ error: err.message.slice(0, 80) }));
  process.stdout.write(`${label}: ${JSON.stringify(r)}\n`);
}
await redis.stop?.();
