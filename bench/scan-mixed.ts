import { findOrStartRedis } from '../src/dev/redis-server.ts';
import { benchScan, benchScanMixed } from './scan.ts';
import { round } from './stats.ts';

// Investigation: only the expiry scans (`npx tsx bench/scan-mixed.ts [n]`): the V1-only scan as the same run's
// baseline, then the scan of an account with n V1 orders and n V2 instances.
const redis = await findOrStartRedis(process.env);
const n = Number(process.argv[2] ?? 10_000);
const v1 = await benchScan(redis.url, n);
const mixed = await benchScanMixed(redis.url, n);
await redis.stop?.();
process.stdout.write(
  `${JSON.stringify({ v1, mixed, mixedOverV1Seconds: round(mixed.seconds / v1.seconds, 2) }, null, 2)}\n`,
);
