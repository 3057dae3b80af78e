import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { startRedisServer } from '../src/dev/redis-server.ts';
import * as storeScripts from '../src/renewals/store-scripts.ts';
import { benchRenewals, type StartMode } from './renewals.ts';
import { round } from './stats.ts';

// Investigation: where a renewal's Redis commands come from (`npx tsx bench/renewals-cost.ts [n] [tsx|compiled]`).
// A private redis-server (so nothing else is counted), the renewals bench with `n` renewals, and MONITOR during
// them: every command is attributed to its source (a Lua script of ours or BullMQ's, with the commands it ran
// inside; or a plain command, by the kind of key it names), per renewal.

/** Names of the scripts BullMQ defines (by SHA-1, as EVALSHA names them) and of ours (by their text). */
function scriptNames(): { bySha: Map<string, string>; byText: Map<string, string> } {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('bullmq')), 'scripts');
  const bySha = new Map<string, string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js') && f !== 'index.js')) {
    const mod = require(join(dir, file)) as Record<string, { name: string; content: string }>;
    for (const script of Object.values(mod))
      bySha.set(createHash('sha1').update(script.content).digest('hex'), `bullmq:${script.name}`);
  }
  const byText = new Map<string, string>();
  for (const [name, text] of Object.entries(storeScripts)) byText.set(text, `store:${name}`);
  return { bySha, byText };
}

/** What a key is, without the prefix and IDs: `renewal`, `outbox`, `bull:renewals:<id>`, … */
function keyKind(key: string | undefined, prefix: string): string {
  if (!key?.startsWith(`${prefix}:`)) return key === undefined ? '-' : 'other';
  const rest = key.slice(prefix.length + 1).split(':');
  if (['renewals', 'approvals', 'scans'].includes(rest[0] ?? '')) {
    const part = rest[1] ?? '';
    return `bull:${rest[0]}:${/^(renew|expire|kick)-/.test(part) ? 'job' : part}${rest[2] ? `:${rest[2]}` : ''}`;
  }
  return rest[0] ?? '';
}

/** Names an EVAL's script by text: ours by name, any other by its first words. */
function evalName(quoted: string, byText: Map<string, string>): string {
  // MONITOR quotes what it shows: newlines and quotes come escaped.
  const text = quoted.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  const known = byText.get(text);
  if (known) return known;
  const named: Array<[string, string]> = [
    ['ZREMRANGEBYSCORE', 'pacer:admit'],
    ["'ZADD', KEYS[1], 'XX'", 'pacer:answered'],
    ["'HMGET', KEYS[1], 'state', 'intentId')", 'durable-claims:fence'],
    ["HINCRBY', KEYS[1], 'failures'", 'store:countFailure'],
  ];
  const found = named.find(([snippet]) => text.includes(snippet));
  return found ? found[1] : `eval:${text.trim().split('\n')[0]?.slice(0, 60)}`;
}

const n = Number(process.argv[2] ?? 100);
const mode = (process.argv[3] ?? 'tsx') as StartMode;
const server = await startRedisServer();
const { bySha, byText } = scriptNames();
const counts = new Map<string, number>();
const add = (what: string, by = 1) => counts.set(what, (counts.get(what) ?? 0) + by);
let monitor: Awaited<ReturnType<Redis['monitor']>> | undefined;
let prefix = '';
let script = '';
const perCommand = new Map<string, number>();
const client = new Redis(server.url);
const result = await benchRenewals(server.url, n, {
  mode,
  measure: {
    async start() {
      // The prefix the bench chose: the only one with keys.
      const [, keys] = await client.scan('0', 'MATCH', 'bench-renew-*', 'COUNT', 10_000);
      prefix = (keys[0] ?? '').split(':')[0] ?? '';
      monitor = await client.monitor();
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        const cmd = (args[0] ?? '').toLowerCase();
        perCommand.set(cmd, (perCommand.get(cmd) ?? 0) + 1);
        // Redis feeds a script's commands to MONITOR right after the script itself.
        if (source === 'lua') {
          add(`${script} (inside)`);
          add(`  ${script} > ${cmd} ${keyKind(args[1], prefix)}`);
          return;
        }
        if (cmd === 'evalsha') script = bySha.get(args[1] ?? '') ?? `evalsha:${args[1]?.slice(0, 8)}`;
        else if (cmd === 'eval') script = evalName(args[1] ?? '', byText);
        if (cmd === 'evalsha' || cmd === 'eval') add(`${script} (script)`);
        else add(`${cmd} ${keyKind(args[1], prefix)}`);
      });
    },
    async stop() {
      monitor?.disconnect();
    },
  },
});
client.disconnect();
await server.stop();

const rows = [...counts].map(([what, c]) => [what, c / n] as const);
const bySource = new Map<string, number>();
for (const [what, c] of rows) {
  if (what.startsWith('  ')) continue;
  const source = what.replace(/ \((script|inside)\)$/, '');
  bySource.set(source, (bySource.get(source) ?? 0) + c);
}
const total = [...bySource.values()].reduce((a, b) => a + b, 0);
const out: string[] = [
  `${n} renewals (${mode}): ${JSON.stringify(result.perRenewal)}`,
  `MONITOR total per renewal: ${round(total, 1)}`,
  `MONITOR by command: ${[...perCommand]
    .sort((a, b) => b[1] - a[1])
    .map(([c, k]) => `${c} ${round(k / n, 1)}`)
    .join(', ')}`,
  '',
  'by source (script = the EVAL/EVALSHA + the commands it ran):',
  ...[...bySource]
    .sort((a, b) => b[1] - a[1])
    .filter(([, c]) => c >= 0.05)
    .map(([s, c]) => `${round(c, 1).toString().padStart(7)}  ${s}`),
  '',
  'inside scripts:',
  ...rows
    .filter(([w, c]) => w.startsWith('  ') && c >= 0.05)
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([w, c]) => `${round(c, 1).toString().padStart(7)}${w}`),
];
process.stdout.write(`${out.join('\n')}\n`);
