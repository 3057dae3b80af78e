import { describe, expect, it } from 'vitest';
import { resolveCredentials } from '../../src/cas/credentials.ts';

const home = '/home/ops';

function files(map: Record<string, string>) {
  return async (path: string) => {
    const text = map[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
}

const cliConfig = JSON.stringify({
  current: 'prod',
  profiles: [
    { name: 'prod', mode: 'AK', access_key_id: 'cliProdId', access_key_secret: 'cliProdSecret' },
    {
      name: 'sts',
      mode: 'StsToken',
      access_key_id: 'stsId',
      access_key_secret: 'stsSecret',
      sts_token: 'stsToken',
    },
    { name: 'role', mode: 'RamRoleArn', access_key_id: 'x', access_key_secret: 'y' },
  ],
});

const ini = `
; comment
[default]
type = access_key
access_key_id = iniDefaultId
access_key_secret = iniDefaultSecret

[staging]
type = access_key
access_key_id = iniStagingId
access_key_secret = iniStagingSecret
`;

describe('resolveCredentials', () => {
  it('prefers the environment, with the STS token', async () => {
    const result = await resolveCredentials({
      env: {
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'envId',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'envSecret',
        ALIBABA_CLOUD_SECURITY_TOKEN: 'envToken',
      },
      homeDir: home,
      readFile: files({ [`${home}/.aliyun/config.json`]: cliConfig }),
    });

    expect(result).toEqual({
      credentials: { accessKeyId: 'envId', accessKeySecret: 'envSecret', securityToken: 'envToken' },
      source: 'environment',
    });
  });

  it.each([
    [
      'the CLI current profile',
      {},
      { accessKeyId: 'cliProdId', accessKeySecret: 'cliProdSecret', securityToken: undefined },
      `${home}/.aliyun/config.json`,
    ],
    [
      'a named StsToken profile',
      { ALIBABA_CLOUD_PROFILE: 'sts' },
      { accessKeyId: 'stsId', accessKeySecret: 'stsSecret', securityToken: 'stsToken' },
      `${home}/.aliyun/config.json`,
    ],
    [
      'the INI file when the CLI file is disabled',
      { ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true' },
      { accessKeyId: 'iniDefaultId', accessKeySecret: 'iniDefaultSecret' },
      `${home}/.alibabacloud/credentials`,
    ],
    [
      'a named INI section',
      { ALIBABA_CLOUD_PROFILE: 'staging', ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true' },
      { accessKeyId: 'iniStagingId', accessKeySecret: 'iniStagingSecret' },
      `${home}/.alibabacloud/credentials`,
    ],
  ])('reads %s', async (_label, env, credentials, source) => {
    const result = await resolveCredentials({
      env,
      homeDir: home,
      readFile: files({
        [`${home}/.aliyun/config.json`]: cliConfig,
        [`${home}/.alibabacloud/credentials`]: ini,
      }),
    });

    expect(result).toEqual({ credentials, source });
  });

  it('falls through to the INI file when the CLI file lacks the profile', async () => {
    const result = await resolveCredentials({
      env: { ALIBABA_CLOUD_PROFILE: 'staging' },
      homeDir: home,
      readFile: files({
        [`${home}/.aliyun/config.json`]: cliConfig,
        [`${home}/.alibabacloud/credentials`]: ini,
      }),
    });

    expect(result.source).toBe(`${home}/.alibabacloud/credentials`);
  });

  it('honours ALIBABA_CLOUD_CREDENTIALS_FILE', async () => {
    const result = await resolveCredentials({
      env: { ALIBABA_CLOUD_CREDENTIALS_FILE: '/etc/certbot/credentials' },
      homeDir: home,
      readFile: files({ '/etc/certbot/credentials': ini }),
    });

    expect(result.credentials.accessKeyId).toBe('iniDefaultId');
  });

  it('says where it looked when nothing is found', async () => {
    const attempt = resolveCredentials({ env: {}, homeDir: home, readFile: files({}) });

    await expect(attempt).rejects.toMatchObject({
      code: 'CREDENTIALS_MISSING',
      message: [
        'No Alibaba Cloud credentials found. Looked in:',
        '  - environment (ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET): not set',
        `  - ${home}/.aliyun/config.json: not found`,
        `  - ${home}/.alibabacloud/credentials: not found`,
      ].join('\n'),
    });
  });

  it.each([
    [
      'an unsupported CLI mode',
      { ALIBABA_CLOUD_PROFILE: 'role' },
      { [`${home}/.aliyun/config.json`]: cliConfig },
      /mode RamRoleArn; only AK and StsToken/,
    ],
    ['a CLI file that is not JSON', {}, { [`${home}/.aliyun/config.json`]: '{' }, /is not valid JSON/],
    [
      'an INI section without a secret',
      { ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true' },
      { [`${home}/.alibabacloud/credentials`]: '[default]\naccess_key_id = x\n' },
      /lacks access_key_id or access_key_secret/,
    ],
  ])('refuses %s with CREDENTIALS_INVALID', async (_label, env, map, message) => {
    const attempt = resolveCredentials({ env, homeDir: home, readFile: files(map) });

    await expect(attempt).rejects.toMatchObject({
      code: 'CREDENTIALS_INVALID',
      message: expect.stringMatching(message),
    });
  });

  it('never puts a secret in its errors', async () => {
    const broken = JSON.stringify({
      current: 'p',
      profiles: [{ name: 'p', mode: 'StsToken', access_key_id: 'id', access_key_secret: 'TOPSECRET' }],
    });

    const attempt = resolveCredentials({
      env: {},
      homeDir: home,
      readFile: files({ [`${home}/.aliyun/config.json`]: broken }),
    });

    await expect(attempt).rejects.toMatchObject({
      code: 'CREDENTIALS_INVALID',
      message: expect.not.stringContaining('TOPSECRET'),
    });
  });
});
