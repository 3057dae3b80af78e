import { findOrStartRedis } from '../src/dev/redis-server.ts';
import { benchRenewals } from './renewals.ts';

// Investigation: renewals per second with and without the application step.
const redis = await findOrStartRedis(process.env);
const n = Number(process.argv[2] ?? 200);
for (const [label, variant] of [
  ['strict (apply)', {}],
  ['no application', { env: { CERT_APPLY: 'manual' }, seed: { renewal: { application: 'not_required' as const } } }],
] as const) {
  const r = await benchRenewals(redis.url, n, variant);
  process.stdout.write(`${label}: ${r.subject.perSecond}/s, per renewal ${JSON.stringify(r.perRenewal)}\n`);
}
await redis.stop?.();
