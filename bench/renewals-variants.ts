import { findOrStartRedis } from '../src/dev/redis-server.ts';
import { benchRenewals } from './renewals.ts';

// Investigation: renewals per second, variant by variant (`npx tsx bench/renewals-variants.ts [n]`).
const redis = await findOrStartRedis(process.env);
const n = Number(process.argv[2] ?? 200);
const variants: Array<[string, Parameters<typeof benchRenewals>[2]]> = [
  ['default', {}],
  ['no application', { env: { CERT_APPLY: 'manual' }, seed: { renewal: { application: 'not_required' } } }],
  ['CERT_CAS_QPS=20', { env: { CERT_CAS_QPS: '20' } }],
];
for (const [label, variant] of variants) {
  const r = await benchRenewals(redis.url, n, variant);
  process.stdout.write(`${label}: ${r.subject.perSecond}/s, per renewal ${JSON.stringify(r.perRenewal)}\n`);
}
await redis.stop?.();
