import { findOrStartRedis } from '../src/dev/redis-server.ts';
import { benchScanMixed } from './scan.ts';

// Investigation: only the scan of an account with V1 orders and V2 instances (`npx tsx bench/scan-mixed.ts [n]`).
const redis = await findOrStartRedis(process.env);
const result = await benchScanMixed(redis.url, Number(process.argv[2] ?? 10_000));
await redis.stop?.();
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
