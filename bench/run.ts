import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { findOrStartRedis } from '../src/dev/redis-server.ts';
import { benchAckLatency } from './ack-latency.ts';
import { benchBurstCards } from './burst-cards.ts';
import { benchRenewals } from './renewals.ts';
import { benchScan, benchScanMixed } from './scan.ts';
import { benchStartup } from './startup.ts';

// `npm run bench`: every benchmark beside its baseline, in one run on this machine.
// Writes bench-results/latest.json and bench-results/latest.md.
const redis = await findOrStartRedis(process.env);
const started = new Date().toISOString();
const startup = await benchStartup(redis.url);
const ack = await benchAckLatency(redis.url);
const burst = await benchBurstCards(redis.url);
const renewals = await benchRenewals(redis.url);
const scan = await benchScan(redis.url);
const scanMixed = await benchScanMixed(redis.url);
await redis.stop?.();

const result = {
  started,
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  results: { startup, ack, burst, renewals, scan, scanMixed },
};
// Renewals per second CAS's rate allows: each renewal lists orders this many times, 10 a second per account.
const casBound = Math.round((10 / renewals.perRenewal.orderListings) * 10) / 10;
const table = [
  `Measured ${started} on ${result.cpus} × ${result.cpuModel ?? 'CPU'}, Node ${result.node}.`,
  '',
  '| benchmark | baseline | certbot | ratio |',
  '|---|---|---|---|',
  `| ${ack.name}, ${ack.concurrency} concurrent (p50 / p99 ms) | ${ack.baseline.name}: ${ack.baseline.p50} / ${ack.baseline.p99} | ${ack.subject.p50} / ${ack.subject.p99} | ${ack.ratio.p50} / ${ack.ratio.p99} |`,
  `| ${ack.name}: p99 ratio per round (${ack.rounds.p99Ratios.length} rounds) | | ${ack.rounds.p99Ratios.join(', ')} | median ${ack.rounds.median}, worst ${ack.rounds.worst} |`,
  `| ${ack.name}: the app's event-loop delay per round, max (ms) | | ${ack.rounds.appEventLoopDelay.map((d) => d?.max ?? '?').join(', ')} | |`,
  `| ${burst.name}: cards within 10 s | target: 100 | ${burst.cardsWithin10s} (all in ${burst.allCardsSeconds ?? '>60'} s; ${burst.listCalls} list calls, ${burst.throttled} throttled) | |`,
  `| ${renewals.name} (per second) | ${renewals.baseline.name}: ${renewals.baseline.perSecond} | ${renewals.subject.perSecond} (CAS renewed ${renewals.subject.renewalsInCas}) | ${renewals.ratio} |`,
  `| ${renewals.name} (per second) | CAS's bound: ${renewals.perRenewal.orderListings} ListUserCertificateOrder per renewal at 10/s: ${casBound} | ${renewals.subject.perSecond} | ${Math.round((renewals.subject.perSecond / casBound) * 100) / 100} |`,
  `| ${scan.name}: wall time (s) | minimum at 10/s: ${scan.minimumSeconds} | ${scan.seconds} | ${scan.timeRatio} |`,
  `| ${scan.name}: CAS calls | minimum (50 a page): ${scan.minimumCalls} | ${scan.calls} (${scan.throttled} throttled) | ${Math.round((scan.calls / scan.minimumCalls) * 100) / 100} |`,
  `| ${scanMixed.name}: wall time (s) | minimum, each listing its own 10/s (the V1 listing's): ${scanMixed.minimumSeconds} | ${scanMixed.seconds} | ${scanMixed.timeRatio} |`,
  `| ${scanMixed.name}: wall time (s), were the two listings one 10/s budget | minimum, one shared 10/s: ${scanMixed.sharedMinimumSeconds} | ${scanMixed.seconds} | ${scanMixed.sharedTimeRatio} |`,
  `| ${scanMixed.name}: CAS calls | minimum: ${scanMixed.minimumV1Calls} ListUserCertificateOrder (50 a page) + ${scanMixed.minimumV2Calls} ListInstances (100 a page) | ${scanMixed.v1Calls} + ${scanMixed.v2Calls} (${scanMixed.throttled} throttled; all calls: ${Object.entries(
    scanMixed.callsByAction,
  )
    .map(([a, n]) => `${a} ${n}`)
    .join(
      ', ',
    )}) | ${Math.round(((scanMixed.v1Calls + scanMixed.v2Calls) / (scanMixed.minimumV1Calls + scanMixed.minimumV2Calls)) * 100) / 100} |`,
  `| ${startup.name}, median of ${startup.runs}: start-up (ms) | tsx: ${startup.tsx.startupMs} | compiled: ${startup.compiled.startupMs} | ${startup.ratio.startup} |`,
  `| ${startup.name}, median of ${startup.runs}: idle RSS (MB) | tsx: ${startup.tsx.idleRssMb} | compiled: ${startup.compiled.idleRssMb} (max ${startup.compiled.idleRssMaxMb}) | ${startup.ratio.rss} |`,
  `| per renewal: Redis commands / CAS calls / Slack calls | | ${renewals.perRenewal.redisCommands} / ${renewals.perRenewal.casCalls} / ${renewals.perRenewal.slackCalls} | |`,
  `| per renewal: most Redis commands | | ${renewals.perRenewal.redisTop} | |`,
  `| per renewal: CAS calls | | ${renewals.perRenewal.casTop} | |`,
  `| per renewal: Slack calls | | ${renewals.perRenewal.slackTop} | |`,
  `| RSS of npm start (MB): idle / after ${renewals.name.match(/, (\d+),/)?.[1]} renewals | idle: ${renewals.rss.idleMb} | half: ${renewals.rss.afterHalfMb}, all: ${renewals.rss.afterAllMb} (second half: ${renewals.rss.growthSecondHalfMb >= 0 ? '+' : ''}${renewals.rss.growthSecondHalfMb}) | ${Math.round((renewals.rss.afterAllMb / renewals.rss.idleMb) * 100) / 100} |`,
  '',
].join('\n');
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/latest.json', `${JSON.stringify(result, null, 2)}\n`);
writeFileSync('bench-results/latest.md', table);
process.stdout.write(`${table}\n`);
