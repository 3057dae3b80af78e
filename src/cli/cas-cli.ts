import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { loadCasConfig } from '../config/config.ts';
import { isAppError } from '../errors.ts';
import { applyCommand } from './apply-command.ts';
import { cliAccount } from './cli-account.ts';
import { type CliIo, type CommandContext, confirm, type Options, pemRequest, print, text } from './cli-io.ts';
import { instanceUsage, runInstanceCommand } from './instance-commands.ts';
import { rotateCommand, rotateUsage } from './rotate-command.ts';

export type { CliIo } from './cli-io.ts';

const usage = `Usage: npm run cas -- <command>

  state <orderId>                      DescribeCertificateState of an order
  list [--status S] [--keyword K] [--type CPACK|BUY|UPLOAD|CERT]
                                       every matching order (all pages)
  package [--product CODE]             DescribePackageState (plan quota)
  renew <orderId> [--csr FILE] [--yes] RenewCertificateOrderForPackageRequest (spends quota; asks first)
${instanceUsage}
${rotateUsage}
  contacts                             ListContact (the IDs CERT_CAS_CONTACT_IDS takes)
  apply <newOrderId> [--domain D] [--method DNS|HTTP] [--contact ID,…] [--key ALG] [--csr FILE] [--yes]
                                       submits a pending order's application: finds its instance,
                                       UpdateInstance, then ApplyCertificate (asks first)

  --account NAME                       the account of CERT_ACCOUNTS to act in (through its STS role)

Uses CAS_ENDPOINT (or the account's endpoint) and the Alibaba Cloud credentials (environment, else
~/.aliyun/config.json, else ~/.alibabacloud/credentials). Prints JSON.`;

/** A command: what its argument must be (checked before anything is called), and what it does. */
interface Command {
  argument?: 'order' | 'instance';
  run(context: CommandContext): Promise<number>;
}

const commands = new Map<string, Command>([
  [
    'state',
    { argument: 'order', run: async (c) => print(c.io, await c.client.describeCertificateState(c.arg)) },
  ],
  ['list', { run: listCommand }],
  [
    'package',
    { run: async (c) => print(c.io, await c.client.describePackageState(text(c.values, 'product'))) },
  ],
  ['renew', { argument: 'order', run: renewCommand }],
  [
    'instance',
    {
      argument: 'instance',
      run: (c) => runInstanceCommand(c.io, () => c.client, 'instance', c.arg, c.values),
    },
  ],
  ['instances', { run: (c) => runInstanceCommand(c.io, () => c.client, 'instances', c.arg, c.values) }],
  ['contacts', { run: async (c) => print(c.io, await c.client.listContacts()) }],
  ['apply', { argument: 'order', run: applyCommand }],
  ['rotate', { argument: 'instance', run: rotateCommand }],
]);

/** Runs one CLI command; resolves to the process exit code (0 ok, 1 failed, 2 usage). */
export async function runCasCli(argv: string[], io: CliIo): Promise<number> {
  const line = parseCommandLine(argv, io);
  if (typeof line === 'number') return line;
  const { command, arg, values } = line;
  const problem = argumentProblem(command, arg);
  if (problem !== undefined) {
    io.stderr.write(problem);
    return 2;
  }
  try {
    const config = loadCasConfig(io.env);
    const run = commands.get(command)?.run;
    if (run === undefined) {
      io.stderr.write(`Unknown command ${JSON.stringify(command)}.\n\n${usage}\n`);
      return 2;
    }
    const purpose = command === 'renew' || command === 'apply' ? 'renew' : 'read';
    const account = await cliAccount(io, config, text(values, 'account'), purpose);
    const { client, endpoint } = account;
    return await account.run(() => run({ io, client, endpoint, arg: arg as string, values }));
  } catch (err) {
    if (isAppError(err)) {
      io.stderr.write(`error (${err.code}): ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/** The command, its argument and its options; or the exit code once usage has been printed. */
function parseCommandLine(
  argv: string[],
  io: CliIo,
): { command: string; arg: string | undefined; values: Options } | number {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        status: { type: 'string' },
        keyword: { type: 'string' },
        type: { type: 'string' },
        product: { type: 'string' },
        csr: { type: 'string' },
        domain: { type: 'string' },
        method: { type: 'string' },
        contact: { type: 'string' },
        key: { type: 'string' },
        force: { type: 'boolean' },
        account: { type: 'string' },
        yes: { type: 'boolean', short: 'y' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const [command, arg, ...extra] = parsed.positionals;
  const values = parsed.values as Options;
  if (values.help || command === undefined || extra.length > 0) {
    (values.help ? io.stdout : io.stderr).write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  return { command, arg, values };
}

/** What is wrong with the argument `command` was given, as a line to print; undefined when nothing is. */
function argumentProblem(command: string, arg: string | undefined): string | undefined {
  const argument = commands.get(command)?.argument;
  if (argument === 'instance' && (arg === undefined || !/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/.test(arg))) {
    return `${command} needs an instance ID, e.g. npm run cas -- ${command} cas-ivauto-abc123\n`;
  }
  if (
    argument === 'order' &&
    (arg === undefined || !/^[0-9]{1,19}$/.test(arg) || BigInt(arg) > 9223372036854775807n)
  ) {
    return `${command} needs an order ID of 1-19 digits, e.g. npm run cas -- ${command} 123456789\n`;
  }
  return undefined;
}

/** `list`: every matching order, all pages. */
async function listCommand({ io, client, values }: CommandContext): Promise<number> {
  const status = text(values, 'status');
  const keyword = text(values, 'keyword');
  const type = values.type as 'CPACK' | 'BUY' | 'UPLOAD' | 'CERT' | undefined;
  const orders = [];
  for await (const o of client.listAllUserCertificateOrders({
    ...(status !== undefined ? { status } : {}),
    ...(keyword !== undefined ? { keyword } : {}),
    ...(type ? { orderType: type } : {}),
  })) {
    orders.push(o);
  }
  return print(io, orders);
}

/** `renew`: a renewal for plan quota, after asking. */
async function renewCommand(context: CommandContext): Promise<number> {
  const { io, client, endpoint, arg: orderId, values } = context;
  const csr = typeof values.csr === 'string' ? await io.readFile(values.csr) : undefined;
  if (csr !== undefined && !csr.includes(pemRequest)) {
    io.stderr.write(`${values.csr} is not a PEM certificate request (expected ${pemRequest})\n`);
    return 2;
  }
  const refused = await confirm(
    context,
    `Renew order ${orderId} at ${endpoint}${csr ? ' with the given CSR' : ''}? This spends plan quota. [y/N] `,
    'renew spends plan quota: add --yes to confirm when not running in a terminal\n',
    'Not renewed.\n',
  );
  if (refused !== undefined) return refused;
  return print(io, await client.renewCertificateOrderForPackageRequest({ orderId, csr }));
}
if (import.meta.url === `file://${process.argv[1]}`) {
  const tty = process.stdin.isTTY === true;
  const rl = tty ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;
  const code = await runCasCli(process.argv.slice(2), {
    env: process.env,
    homeDir: homedir(),
    stdout: process.stdout,
    stderr: process.stderr,
    ask: rl ? (q) => rl.question(q) : undefined,
    readFile: (path) => readFile(path, 'utf8'),
  });
  rl?.close();
  process.exitCode = code;
}
