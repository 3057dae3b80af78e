import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { findOrStartRedis } from '../test/support/redis-server.ts';
import { benchAckLatency } from './ack-latency.ts';

// `npm run bench`: every benchmark side by side with its baseline, in one run on this machine.
// Writes bench-results/latest.json and bench-results/latest.md.
const redis = await findOrStartRedis(process.env);
const started = new Date().toISOString();
const ack = await benchAckLatency(redis.url);
await redis.stop?.();

const result = {
  started,
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  results: [ack],
};
const table = [
  `Measured ${started} on ${result.cpus} × ${result.cpuModel ?? 'CPU'}, Node ${result.node}.`,
  '',
  '| benchmark | baseline | certbot | ratio |',
  '|---|---|---|---|',
  `| ${ack.name}, ${ack.concurrency} concurrent (p50 / p99 ms) | ${ack.baseline.name}: ${ack.baseline.p50} / ${ack.baseline.p99} | ${ack.subject.p50} / ${ack.subject.p99} | ${ack.ratio.p50} / ${ack.ratio.p99} |`,
  '',
].join('\n');
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/latest.json', `${JSON.stringify(result, null, 2)}\n`);
writeFileSync('bench-results/latest.md', table);
process.stdout.write(`${table}\n`);
