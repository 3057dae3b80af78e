import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { CasClient } from '../cas/client.ts';
import { createCasClientFromConfig } from '../cas/from-config.ts';
import { findPendingInstance } from '../cas/instances.ts';
import { type Environment, loadCasConfig } from '../config/config.ts';
import { isAppError } from '../errors.ts';
import { instanceUsage, runInstanceCommand } from './instance-commands.ts';

const usage = `Usage: npm run cas -- <command>

  state <orderId>                      DescribeCertificateState of an order
  list [--status S] [--keyword K] [--type CPACK|BUY|UPLOAD|CERT]
                                       every matching order (all pages)
  package [--product CODE]             DescribePackageState (plan quota)
  renew <orderId> [--csr FILE] [--yes] RenewCertificateOrderForPackageRequest (spends quota; asks first)
${instanceUsage}
  contacts                             ListContact (the IDs CERT_CAS_CONTACT_IDS takes)
  apply <newOrderId> [--domain D] [--method DNS|HTTP] [--contact ID,…] [--key ALG] [--csr FILE] [--yes]
                                       submits a pending order's application: finds its instance,
                                       UpdateInstance, then ApplyCertificate (asks first)

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
        domain: { type: 'string' },
        method: { type: 'string' },
        contact: { type: 'string' },
        key: { type: 'string' },
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
  const needsOrder = command === 'state' || command === 'renew' || command === 'apply';
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
      case 'instance':
      case 'instances':
        return await runInstanceCommand(io, () => client, command, orderId, values);
      case 'contacts':
        print(io, await client.listContacts());
        return 0;
      case 'apply':
        return await applyCommand(io, client, config.endpoint, orderId as string, values);
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

/** `apply`: the application of a pending order, as the bot would submit it, after asking. */
async function applyCommand(
  io: CliIo,
  client: CasClient,
  endpoint: string,
  orderId: string,
  values: Record<string, string | boolean | undefined>,
): Promise<number> {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const method = (text('method') ?? 'DNS').toUpperCase();
  if (method !== 'DNS' && method !== 'HTTP') {
    io.stderr.write("--method must be DNS or HTTP (the instance API's names)\n");
    return 2;
  }
  const contacts = text('contact')
    ?.split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (contacts?.some((c) => !/^[0-9]{1,19}$/.test(c))) {
    io.stderr.write(
      '--contact takes numeric CAS contact IDs, comma-separated (see npm run cas -- contacts)\n',
    );
    return 2;
  }
  const csrFile = text('csr');
  const csr = csrFile !== undefined ? await io.readFile(csrFile) : undefined;
  if (csr !== undefined && !csr.includes('-----BEGIN CERTIFICATE REQUEST-----')) {
    io.stderr.write(`${csrFile} is not a PEM certificate request\n`);
    return 2;
  }
  const found = await findPendingInstance(client, orderId, text('domain'));
  if (!found) {
    io.stderr.write(
      `Order ${orderId} is not listed as pending application (Status=PAYED); nothing applied.\n`,
    );
    return 1;
  }
  const detail = await client.getInstanceDetail(found.instanceId);
  if (detail.Status !== 'inactive') {
    io.stderr.write(
      `Instance ${found.instanceId} is ${detail.Status ?? 'not inactive'}: it already has its application.\n`,
    );
    return 1;
  }
  const contactIds = contacts?.length
    ? contacts
    : (await client.listContacts()).slice(0, 1).map((c) => c.ContactId);
  if (contactIds.length === 0) {
    io.stderr.write(
      'No CAS contact: create one in the CAS console (SSL Certificates → Contacts), or pass --contact.\n',
    );
    return 1;
  }
  const domain = text('domain') ?? found.domain;
  if (!domain && csr === undefined) {
    io.stderr.write('The order is listed without a domain: pass --domain (or --csr).\n');
    return 2;
  }
  const application = {
    instanceId: found.instanceId,
    domain,
    csr,
    validationMethod: method as 'DNS' | 'HTTP',
    keyAlgorithm: text('key') ?? 'RSA_2048',
    contactIds,
  };
  if (!values.yes) {
    if (!io.ask) {
      io.stderr.write('apply submits an application: add --yes to confirm when not running in a terminal\n');
      return 2;
    }
    const answer = await io.ask(
      `Apply for order ${orderId} (instance ${found.instanceId}) at ${endpoint}: ${domain ?? "the CSR's names"}, ${method} validation, ${csr ? 'your CSR' : `key ${application.keyAlgorithm} made by CAS`}, contacts ${contactIds.join(',')}? [y/N] `,
    );
    if (!/^y(es)?$/i.test(answer.trim())) {
      io.stderr.write('Not applied.\n');
      return 1;
    }
  }
  await client.updateInstance(application);
  const applied = await client.applyCertificate(found.instanceId);
  print(io, {
    orderId,
    instanceId: found.instanceId,
    requestId: applied.requestId,
    next: `npm run cas -- instance ${found.instanceId}`,
  });
  return 0;
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
