import { findOrStartRedis } from '../src/dev/redis-server.ts';
import { benchRenewals } from './renewals.ts';

// Investigation: where the memory of `npm start` goes over renewals (`npx tsx bench/renewals-memory.ts [n]`).
// Prints RSS, V8 heap in use and external memory at idle, after each quarter and after the last renewal; with
// BENCH_NODE_ARGS=--heapsnapshot-signal=SIGUSR2 the bot also writes a heap snapshot at the end (its cwd).
const redis = await findOrStartRedis(process.env);
const n = Number(process.argv[2] ?? 1_000);
const r = await benchRenewals(redis.url, n, { memoryTrace: true });
process.stdout.write(
  `${JSON.stringify({ perSecond: r.subject.perSecond, perRenewal: r.perRenewal, rss: r.rss, trace: r.memoryTrace }, null, 2)}\n`,
);
await redis.stop?.();
