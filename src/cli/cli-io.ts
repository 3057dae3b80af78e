import type { CasClient } from '../cas/client.ts';
import type { Environment } from '../config/config.ts';

// What every command of the operator CLI (npm run cas) uses: its input and output, and asking before it spends.

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

/** Prints `value` as JSON; the exit code 0. */
export function print(io: CliIo, value: unknown): number {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  return 0;
}

/** The options the commands take, as parsed. */
export type Options = Record<string, string | boolean | undefined>;

/** What a command runs with. */
export interface CommandContext {
  io: CliIo;
  client: CasClient;
  /** The CAS site (CAS_ENDPOINT), named when asking. */
  endpoint: string;
  /** The command's one positional argument, checked as its command says. */
  arg: string;
  values: Options;
}

/** The option `name` when given as text. */
export const text = (values: Options, name: string) =>
  typeof values[name] === 'string' ? (values[name] as string) : undefined;

/**
 * Asks before a command spends or submits, unless --yes was given: undefined when it may go on, else the exit
 * code once the refusal (no terminal to ask: `noTerminal`) or the answer no (`declined`) has been printed.
 */
export async function confirm(
  { io, values }: CommandContext,
  question: string,
  noTerminal: string,
  declined: string,
): Promise<number | undefined> {
  if (values.yes) return undefined;
  if (!io.ask) {
    io.stderr.write(noTerminal);
    return 2;
  }
  if (/^y(es)?$/i.test((await io.ask(question)).trim())) return undefined;
  io.stderr.write(declined);
  return 1;
}

/** How a PEM certificate request (CSR) starts. */
export const pemRequest = '-----BEGIN CERTIFICATE REQUEST-----';
