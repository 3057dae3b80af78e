import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SimSeed } from './seed.ts';
import { createCasSimulator } from './server.ts';

// Runs the CAS simulator alone, e.g. as a staging backend:
//   npm run cas-sim -- --port 18080 --seed src/cas-sim/example-seed.json
// Point the bot at it with CAS_ENDPOINT=http://127.0.0.1:18080 and a key pair from the seed.
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '18080' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string' },
  },
});

const raw = values.seed ? (JSON.parse(await readFile(values.seed, 'utf8')) as unknown) : {};
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
