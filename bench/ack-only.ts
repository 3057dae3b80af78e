import { findOrStartRedis } from '../src/dev/redis-server.ts';
import { benchAckLatency } from './ack-latency.ts';

// The ack benchmark alone (`npx tsx bench/ack-only.ts`): 5 rounds, the p99 ratio of each.
const redis = await findOrStartRedis(process.env);
process.stdout.write(`${JSON.stringify(await benchAckLatency(redis.url), null, 2)}\n`);
await redis.stop?.();
