import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { createCasClientFromConfig } from '../cas/from-config.ts';
import { type Environment, loadCasConfig } from '../config/config.ts';
import { isAppError } from '../errors.ts';

const usage = `Usage: npm run cas -- <command>

  state <orderId>                      DescribeCertificateState of an order
  list [--status S] [--keyword K] [--type CPACK|BUY|UPLOAD|CERT]
                                       every matching order (all pages)
  package [--product CODE]             DescribePackageState (plan quota)
  renew <orderId> [--csr FILE] [--yes] RenewCertificateOrderForPackageRequest (spends quota; asks first)

Uses CAS_ENDPOINT and the Alibaba Cloud credentials (environment, else ~/.aliyun/config.json,
else ~/.alibabacloud/credentials). Prints JSON.`;

/** What the CLI reads and writes; injected so tests run it in-process. */
export interface CliIo {
  env: Environment;
  homeDir: string;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Reads one answer to a question; undefined when there is no terminal to ask. */
  ask: ((question: string) => Promise<string>) | undefined;
  readFile: (path: string) => Promise<string>;
}

function print(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Runs one CLI command; resolves to the process exit code (0 ok, 1 failed, 2 usage). */
export async function runCasCli(argv: string[], io: CliIo): Promise<number> {
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
        yes: { type: 'boolean', short: 'y' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const [command, orderId, ...extra] = parsed.positionals;
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help || command === undefined || extra.length > 0) {
    (values.help ? io.stdout : io.stderr).write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const needsOrder = command === 'state' || command === 'renew';
  if (
    needsOrder &&
    (orderId === undefined || !/^[0-9]{1,19}$/.test(orderId) || BigInt(orderId) > 9223372036854775807n)
  ) {
    io.stderr.write(
      `${command} needs an order ID of 1-19 digits, e.g. npm run cas -- ${command} 123456789\n`,
    );
    return 2;
  }

  try {
    const config = loadCasConfig(io.env);
    const client = createCasClientFromConfig(config, { env: io.env, homeDir: io.homeDir });
    switch (command) {
      case 'state':
        print(io, await client.describeCertificateState(orderId as string));
        return 0;
      case 'list': {
        const type = values.type as 'CPACK' | 'BUY' | 'UPLOAD' | 'CERT' | undefined;
        const orders = [];
        for await (const o of client.listAllUserCertificateOrders({
          ...(typeof values.status === 'string' ? { status: values.status } : {}),
          ...(typeof values.keyword === 'string' ? { keyword: values.keyword } : {}),
          ...(type ? { orderType: type } : {}),
        })) {
          orders.push(o);
        }
        print(io, orders);
        return 0;
      }
      case 'package':
        print(
          io,
          await client.describePackageState(typeof values.product === 'string' ? values.product : undefined),
        );
        return 0;
      case 'renew': {
        const csr = typeof values.csr === 'string' ? await io.readFile(values.csr) : undefined;
        if (csr !== undefined && !csr.includes('-----BEGIN CERTIFICATE REQUEST-----')) {
          io.stderr.write(
            `${values.csr} is not a PEM certificate request (expected -----BEGIN CERTIFICATE REQUEST-----)\n`,
          );
          return 2;
        }
        if (!values.yes) {
          if (!io.ask) {
            io.stderr.write('renew spends plan quota: add --yes to confirm when not running in a terminal\n');
            return 2;
          }
          const answer = await io.ask(
            `Renew order ${orderId} at ${config.endpoint}${csr ? ' with the given CSR' : ''}? This spends plan quota. [y/N] `,
          );
          if (!/^y(es)?$/i.test(answer.trim())) {
            io.stderr.write('Not renewed.\n');
            return 1;
          }
        }
        print(io, await client.renewCertificateOrderForPackageRequest({ orderId: orderId as string, csr }));
        return 0;
      }
      default:
        io.stderr.write(`Unknown command ${JSON.stringify(command)}.\n\n${usage}\n`);
        return 2;
    }
  } catch (err) {
    if (isAppError(err)) {
      io.stderr.write(`error (${err.code}): ${err.message}\n`);
      return 1;
    }
    throw err;
  }
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
