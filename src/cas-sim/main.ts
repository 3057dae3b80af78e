import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createAccountsSimulator, SimAccountsSeed } from './accounts-sim.ts';
import { SimSeed } from './seed.ts';
import { createCasSimulator } from './server.ts';

// Runs the CAS simulator alone, e.g. as a staging backend:
//   npm run cas-sim -- --port 18080 --seed src/cas-sim/example-seed.json
// Point the bot at it with CAS_ENDPOINT=http://127.0.0.1:18080 and a key pair from the seed. A seed of several
// accounts (src/cas-sim/example-accounts-seed.json) serves each account's CAS and STS AssumeRole on the one port:
// point CERT_ACCOUNTS' stsEndpoint and endpoints at it.
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '18080' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string' },
  },
});

const raw = values.seed ? (JSON.parse(await readFile(values.seed, 'utf8')) as unknown) : {};
if (typeof raw === 'object' && raw !== null && 'accounts' in raw) await serveAccounts(raw);
const parsed = SimSeed.safeParse(raw);
if (!parsed.success) {
  process.stderr.write(
    `${values.seed}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\n`,
  );
  process.exit(2);
}
const seed = parsed.data;
const envKey = process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
const envSecret = process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
if (envKey && envSecret) seed.accessKeys.push({ accessKeyId: envKey, accessKeySecret: envSecret });
if (seed.accessKeys.length === 0) {
  process.stderr.write(
    'No access keys: list accessKeys in the seed file or set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET.\n',
  );
  process.exit(2);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be 0-65535, got ${values.port}\n`);
  process.exit(2);
}
const sim = createCasSimulator({ seed });
const url = await sim.listen(port, values.host);
process.stdout.write(
  `CAS simulator listening on ${url} with ${seed.orders.length} orders, ${seed.subscriptions.length} subscriptions and ${seed.accessKeys.length} access keys\n`,
);
const stop = () => {
  sim.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

/** Serves a seed of several accounts (and their roles) until stopped. */
async function serveAccounts(raw: unknown): Promise<never> {
  const parsed = SimAccountsSeed.safeParse(raw);
  if (!parsed.success) {
    process.stderr.write(
      `${values.seed}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\n`,
    );
    process.exit(2);
  }
  const sim = createAccountsSimulator({ seed: parsed.data });
  const url = await sim.listen(Number(values.port), values.host);
  process.stdout.write(
    `CAS and STS simulator of ${parsed.data.accounts.length} accounts listening on ${url}\n`,
  );
  const stopAll = () => {
    sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  return new Promise<never>(() => {});
}
