import { findOrStartRedis } from '../src/dev/redis-server.ts';
import { benchBurstCards } from './burst-cards.ts';

// The burst benchmark alone (`npx tsx bench/burst-only.ts`).
const redis = await findOrStartRedis(process.env);
process.stdout.write(`${JSON.stringify(await benchBurstCards(redis.url), null, 2)}\n`);
await redis.stop?.();
