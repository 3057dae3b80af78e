import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccountDirectory } from '../../src/accounts/account-directory.ts';
import { parseAccountsFile } from '../../src/accounts/accounts-file.ts';
import { accountsYaml } from '../support/accounts.ts';

const defaults = { endpoint: 'https://cas.aliyuncs.com' };
const parse = (text: string) => parseAccountsFile(text, 'accounts.yaml', defaults);

describe('the accounts file (CERT_ACCOUNTS)', () => {
  it('gives each account its channels, role, alert channel and approver lists as data', () => {
    const file = parse(accountsYaml('https://sts.example.test'));
    const directory = createAccountDirectory(file, {
      endpoint: '',
      alertChannel: undefined,
      alertRoutes: [],
    });

    expect(directory.accountFor('C0SHOPOPS')).toMatchObject({
      name: 'shop-prod',
      externalId: 'shop-7f3a',
      alertChannel: 'C0SHOP1',
      alertRoutes: [{ pattern: '*.ops.shop.example.com', channel: 'C0SHOPOPS' }],
      approvers: ['S0SHOPLEADS'],
      rotationApprovers: ['S0SHOPONCALL'],
      approvalsRequired: 2,
      durationSeconds: 900,
    });
    expect(directory.accountFor('C0PAY1')).toMatchObject({ name: 'payments', durationSeconds: 3600 });
    expect(directory.accountFor('C0OTHER')).toBeUndefined();
    expect(directory.channelsWithAccount()).toEqual(['C0SHOP1', 'C0SHOPOPS', 'C0PAY1']);
  });

  it('without a file: one account for every channel, from the variables of today', () => {
    const directory = createAccountDirectory(undefined, {
      endpoint: 'https://cas.aliyuncs.com',
      alertChannel: 'C0ALERTS',
      alertRoutes: [],
    });

    expect(directory.accountFor('C0ANY')).toMatchObject({
      name: 'default',
      roleArn: undefined,
      alertChannel: 'C0ALERTS',
    });
    expect(directory.fromFile).toBe(false);
  });

  /** A file whose second account, payments, has `fields` changed or added. */
  const withPayments = (fields: Record<string, string>) =>
    `accounts:
  - name: shop-prod
    roleArn: acs:ram::2000000000000002:role/certbot
    channels: [C0SHOP1]
  - name: payments
${Object.entries({ roleArn: 'acs:ram::3000000000000003:role/certbot', channels: '[C0PAY1]', ...fields })
  .map(([k, v]) => `    ${k}: ${v}\n`)
  .join('')}`;

  it('a good file parses (the base of the cases below)', () => {
    expect(parse(withPayments({})).accounts.map((a) => a.name)).toEqual(['shop-prod', 'payments']);
  });

  it.each([
    [{ durationSeconds: '7200' }, 'field durationSeconds: Too big'],
    [{ roleArn: 'arn:aws:iam::1:role/x' }, 'field roleArn: must be a RAM role ARN'],
    [{ channels: '[]' }, 'field channels: must list at least one channel ID'],
    [{ channels: '[C0SHOP1]' }, 'field channels: C0SHOP1 already belongs to account "shop-prod"'],
    [{ externalId: 'x' }, 'field externalId: must be 2-1224'],
    [{ approvers: '[bob]' }, 'field approvers.0: must be Slack user'],
    [{ approvalsRequired: '0' }, 'field approvalsRequired: Too small'],
    [
      { alertRoutes: '"*.pay.example.com=C0SHOP1"' },
      "field alertRoutes: C0SHOP1 must be among the account's channels",
    ],
    [{ roleArns: 'typo' }, 'Unrecognized key: "roleArns"'],
  ])('a bad field (%o) is named with its account', (fields, named) => {
    expect(() => parse(withPayments(fields))).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining(`account "payments" (accounts[1])`),
      }),
    );
    expect(() => parse(withPayments(fields))).toThrow(named);
  });

  it('a file that is not YAML is refused as such', () => {
    expect(() => parse('accounts: [\n  - name: x')).toThrow(
      /CERT_ACCOUNTS accounts\.yaml is invalid:\n {2}- not YAML/,
    );
  });

  it('a bad file stops start-up with exit code 1 and a line naming the account and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certbot-accounts-'));
    const path = join(dir, 'accounts.yaml');
    writeFileSync(
      path,
      accountsYaml('https://sts.example.test').replace('durationSeconds: 900', 'durationSeconds: 60'),
    );

    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH,
        SLACK_BOT_TOKEN: 'xoxb-secret-value-123',
        SLACK_SIGNING_SECRET: 'signing-secret-value',
        CERT_APPROVERS: 'U0APPROVER',
        CERT_ACCOUNTS: path,
        // Never reached: the file stops the start before any connection is made.
        REDIS_URL: 'redis://127.0.0.1:1',
        LOG_LEVEL: 'error',
      },
      encoding: 'utf8',
      timeout: 20_000,
    });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`CERT_ACCOUNTS ${path} is invalid:`);
    expect(result.stderr).toMatch(/account "shop-prod" \(accounts\[0\]\) field durationSeconds: .*900/);
    expect(result.stderr).not.toContain('secret-value');
  }, 30_000);
});
