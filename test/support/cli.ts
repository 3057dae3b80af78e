import type { CliIo } from '../../src/cli/cas-cli.ts';
import { testCredentials } from './secrets.ts';

/**
 * The operator CLI's input and output in memory, pointed at a simulator at `url` with the test keys. `answer` is what
 * the operator types at a prompt; without it there is no terminal to ask.
 */
export function cliAgainst(url: string, answer?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const asked: string[] = [];
  const value: CliIo = {
    env: {
      CAS_ENDPOINT: url,
      ALIBABA_CLOUD_ACCESS_KEY_ID: testCredentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: testCredentials.accessKeySecret,
    },
    homeDir: '/nonexistent-home',
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    ask:
      answer === undefined
        ? undefined
        : async (q) => {
            asked.push(q);
            return answer;
          },
    readFile: async (path) => {
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
  };
  return { value, out: () => out.join(''), err: () => err.join(''), asked };
}
