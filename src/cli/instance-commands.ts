import type { CasClient } from '../cas/client.ts';

/** Where the instance commands write. */
export interface InstanceCommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** The usage lines of the instance commands (part of `npm run cas -- --help`). */
export const instanceUsage = `  instances [--status S] [--keyword K]  every V2.0 subscription instance (ListInstances, all pages);
                                       S: inactive|pending|normal|willExpire|expired|refund|closed
  instance <instanceId>                GetInstanceDetail (status, certificate, subscription end,
                                       application, validation records)`;

/** The instance statuses ListInstances filters on (SDK ListInstancesRequest.Status). */
const statuses = new Set(['inactive', 'pending', 'normal', 'willExpire', 'expired', 'refund', 'closed']);

const print = (io: InstanceCommandIo, value: unknown) =>
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** Whether `command` is one of the instance commands. */
export const isInstanceCommand = (command: string) => command === 'instance' || command === 'instances';

/**
 * `instance <id>` and `instances [--status S] [--keyword K]`; resolves to the exit code (0 ok, 2 usage). Bad
 * arguments are refused before any call.
 */
export async function runInstanceCommand(
  io: InstanceCommandIo,
  client: () => CasClient,
  command: string,
  argument: string | undefined,
  values: Record<string, string | boolean | undefined>,
): Promise<number> {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  if (command === 'instance') {
    if (argument === undefined || !/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/.test(argument)) {
      io.stderr.write('instance needs an instance ID, e.g. npm run cas -- instance cas-ivauto-abc123\n');
      return 2;
    }
    print(io, await client().getInstanceDetail(argument));
    return 0;
  }
  const status = text('status');
  if (argument !== undefined || (status !== undefined && !statuses.has(status))) {
    io.stderr.write(`instances takes no argument; --status is one of ${[...statuses].join(', ')}\n`);
    return 2;
  }
  const keyword = text('keyword');
  const rows = await client().listAllInstances({
    ...(status !== undefined ? { status } : {}),
    ...(keyword !== undefined ? { keyword } : {}),
  });
  print(io, rows);
  return 0;
}
