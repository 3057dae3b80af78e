import { afterEach, describe, expect, it } from 'vitest';
import type { AccountsSimulator } from '../../src/cas-sim/accounts-sim.ts';
import { type CliIo, runCasCli } from '../../src/cli/cas-cli.ts';
import { accountsYaml, botKey, startAccountsSim } from '../support/accounts.ts';

let sim: AccountsSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** The CLI's IO with the accounts file at `accounts.yaml`. */
function cliIo(url: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    env: {
      CERT_ACCOUNTS: 'accounts.yaml',
      ALIBABA_CLOUD_ACCESS_KEY_ID: botKey.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: botKey.accessKeySecret,
    },
    homeDir: '/nonexistent-home',
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    ask: undefined,
    readFile: async () => accountsYaml(url),
  };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

describe('npm run cas -- --account NAME', () => {
  it('acts in the named account, through its role, as the session certbot-cli', async () => {
    const started = await startAccountsSim({
      pay: { contacts: [{ contactId: '77', name: 'Payments team' }] },
    });
    sim = started.sim;
    const cli = cliIo(started.url);

    const code = await runCasCli(['contacts', '--account', 'payments'], cli.io);

    expect(code).toBe(0);
    expect(cli.out()).toContain('Payments team');
    expect(sim.calls().map((c) => `${c.account} ${c.action} ${c.sessionName}`)).toEqual([
      'pay ListContact certbot-cli',
    ]);
  });

  it('with several accounts and none named (or an unknown one), says which there are and calls nothing', async () => {
    const started = await startAccountsSim();
    sim = started.sim;
    const cli = cliIo(started.url);

    expect(await runCasCli(['contacts'], cli.io)).toBe(1);
    expect(await runCasCli(['contacts', '--account', 'nope'], cli.io)).toBe(1);

    expect(cli.err()).toContain('choose one with --account NAME; the accounts are: shop-prod, payments');
    expect(cli.err()).toContain('there is no account nope; the accounts are: shop-prod, payments');
    expect(sim.calls()).toEqual([]);
    expect(sim.assumptions).toEqual([]);
  });
});
