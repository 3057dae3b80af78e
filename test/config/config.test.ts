import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { leakCanarySecret } from '../support/secrets.ts';

const minimal = {
  SLACK_BOT_TOKEN: 'xoxb-1-abc',
  SLACK_SIGNING_SECRET: leakCanarySecret,
  CERT_APPROVERS: 'U012ABC,S0PLATFORM',
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(minimal);

    expect(config).toMatchObject({
      port: 3000,
      redis: { url: 'redis://127.0.0.1:6379', prefix: 'certbot' },
      cas: { endpoint: 'https://cas.aliyuncs.com', credentials: undefined, timeoutSeconds: 15 },
      approval: {
        approvers: ['U012ABC', 'S0PLATFORM'],
        allowSelfApproval: false,
        rotationApprovers: [],
        approvalsRequired: 1,
      },
      poll: { minSeconds: 30, maxSeconds: 900 },
      alerts: {
        channel: undefined,
        days: [30, 14, 7, 3, 1],
        lifetimePercent: [33, 15, 5],
        cron: '0 9 * * *',
        timezone: 'UTC',
      },
      slack: { appToken: undefined, apiUrl: undefined },
    });
  });

  it('reads every variable of the contract', () => {
    const config = loadConfig({
      ...minimal,
      SLACK_APP_TOKEN: 'xapp-1-x',
      SLACK_API_URL: 'http://127.0.0.1:9999/api/',
      PORT: '8080',
      REDIS_URL: 'rediss://cache.internal:6380/2',
      CERT_REDIS_PREFIX: '{certbot}',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIkey',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
      ALIBABA_CLOUD_SECURITY_TOKEN: 'token',
      CAS_ENDPOINT: 'https://cas.ap-southeast-1.aliyuncs.com/',
      CERT_ALLOW_SELF_APPROVAL: 'true',
      CERT_POLL_MIN_SECONDS: '0.5',
      CERT_POLL_MAX_SECONDS: '60',
      CERT_ALERT_CHANNEL: 'C0ALERTS',
      CERT_ALERT_DAYS: '7, 30,1',
      CERT_ALERT_LIFETIME_PERCENT: '10, 50',
      CERT_ALERT_CRON: '0 0 8 * * 1-5',
      CERT_TIMEZONE: 'Asia/Shanghai',
    });

    expect(config).toMatchObject({
      slack: { appToken: 'xapp-1-x', apiUrl: 'http://127.0.0.1:9999/api' },
      port: 8080,
      redis: { url: 'rediss://cache.internal:6380/2', prefix: '{certbot}' },
      cas: {
        endpoint: 'https://cas.ap-southeast-1.aliyuncs.com',
        credentials: { accessKeyId: 'LTAIkey', accessKeySecret: 'secret', securityToken: 'token' },
      },
      approval: { allowSelfApproval: true },
      poll: { minSeconds: 0.5, maxSeconds: 60 },
      alerts: {
        channel: 'C0ALERTS',
        days: [30, 7, 1],
        lifetimePercent: [50, 10],
        cron: '0 0 8 * * 1-5',
        timezone: 'Asia/Shanghai',
      },
    });
  });

  it('reads the application and deployment settings', () => {
    const config = loadConfig({
      ...minimal,
      CERT_APPLY: 'MANUAL',
      CERT_CAS_CONTACT_IDS: ' 12, 9007199254740993 ',
      CERT_CAS_COMPANY_ID: '77',
      CERT_VALIDATION_METHOD: 'http',
      CERT_KEY_ALGORITHM: 'ECC_256',
      CERT_DEPLOY: 'off',
      CERT_DEPLOY_PRODUCTS: 'cdn,ALB',
      CERT_TLS_CHECK: 'off',
      CERT_TLS_RESOLVE: 'Shop.example.com=10.0.0.5:443,www.example.com=[::1]:8443',
    });

    expect(config.application).toEqual({
      mode: 'manual',
      contactIds: ['12', '9007199254740993'],
      companyId: '77',
      validationMethod: 'HTTP',
      keyAlgorithm: 'ECC_256',
    });
    expect(config.deploy).toMatchObject({ mode: 'off', products: ['CDN', 'ALB'], tlsCheck: false });
    expect([...config.deploy.tlsResolve]).toEqual([
      ['shop.example.com', { host: '10.0.0.5', port: 443 }],
      ['www.example.com', { host: '::1', port: 8443 }],
    ]);
  });

  it('searches every product the site supports: the international site has no SLB', () => {
    const china = loadConfig(minimal).deploy.products;
    const international = loadConfig({ ...minimal, CAS_ENDPOINT: 'https://cas.ap-southeast-1.aliyuncs.com' })
      .deploy.products;

    expect(china).toContain('SLB');
    expect(international).not.toContain('SLB');
    expect(international).toContain('CDN');
    expect(loadConfig(minimal)).toMatchObject({
      application: { mode: 'auto', contactIds: [], validationMethod: 'DNS', keyAlgorithm: 'RSA_2048' },
      deploy: { mode: 'ask', tlsCheck: true },
    });
  });

  it('needs no signing secret in Socket Mode', () => {
    const { SLACK_SIGNING_SECRET: _s, ...rest } = minimal;

    expect(loadConfig({ ...rest, SLACK_APP_TOKEN: 'xapp-1-x' }).slack.signingSecret).toBeUndefined();
  });

  it.each([
    [{ SLACK_BOT_TOKEN: undefined }, 'SLACK_BOT_TOKEN is required'],
    [{ SLACK_BOT_TOKEN: 'xoxp-user-token' }, 'SLACK_BOT_TOKEN must be a bot token starting with xoxb-'],
    [{ SLACK_SIGNING_SECRET: undefined }, 'SLACK_SIGNING_SECRET is required in HTTP mode'],
    [{ SLACK_APP_TOKEN: 'xoxb-wrong' }, 'SLACK_APP_TOKEN must be an app-level token starting with xapp-'],
    [{ SLACK_API_URL: 'not a url' }, 'SLACK_API_URL must be a URL'],
    [{ PORT: 'abc' }, 'PORT must be an integer from 0 to 65535 (got "abc")'],
    [{ PORT: '70000' }, 'PORT must be an integer from 0 to 65535 (got "70000")'],
    [{ REDIS_URL: 'http://localhost' }, 'REDIS_URL must be a URL starting with redis: or rediss:'],
    [{ CERT_REDIS_PREFIX: 'a:b' }, 'CERT_REDIS_PREFIX must be 1-64 characters'],
    [
      { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIonly' },
      'ALIBABA_CLOUD_ACCESS_KEY_SECRET is required when its partner variable is set',
    ],
    [{ CAS_ENDPOINT: 'ftp://cas' }, 'CAS_ENDPOINT must be a URL starting with http: or https:'],
    [{ CERT_APPROVERS: undefined }, 'CERT_APPROVERS is required'],
    [{ CERT_APPROVALS_REQUIRED: '0' }, 'CERT_APPROVALS_REQUIRED must be an integer from 1 to 6 (got "0")'],
    [{ CERT_APPROVALS_REQUIRED: '7' }, 'CERT_APPROVALS_REQUIRED must be an integer from 1 to 6 (got "7")'],
    [
      { CERT_APPROVALS_REQUIRED: '1.5' },
      'CERT_APPROVALS_REQUIRED must be an integer from 1 to 6 (got "1.5")',
    ],
    [
      { CERT_ROTATION_APPROVERS: 'oncall' },
      'CERT_ROTATION_APPROVERS must be comma-separated Slack user IDs (U…/W…) or user-group IDs (S…)',
    ],
    [
      { CERT_APPROVERS: 'alice,U01' },
      'CERT_APPROVERS must be comma-separated Slack user IDs (U…/W…) or user-group IDs (S…); not an ID: alice',
    ],
    [{ CERT_ALLOW_SELF_APPROVAL: 'maybe' }, 'CERT_ALLOW_SELF_APPROVAL must be true or false (got "maybe")'],
    [{ CERT_POLL_MIN_SECONDS: '-1' }, 'CERT_POLL_MIN_SECONDS must be a number from 0 to 86400'],
    [
      { CERT_RECONCILE_SETTLE_SECONDS: '0' },
      'CERT_RECONCILE_SETTLE_SECONDS must be a number from 0.1 to 3600',
    ],
    [
      { CERT_POLL_MIN_SECONDS: '100', CERT_POLL_MAX_SECONDS: '50' },
      'CERT_POLL_MAX_SECONDS must be at least CERT_POLL_MIN_SECONDS',
    ],
    [{ CERT_ALERT_CHANNEL: '#certs' }, 'CERT_ALERT_CHANNEL must be a Slack channel ID'],
    [{ CERT_ALERT_DAYS: '30,two' }, 'CERT_ALERT_DAYS must be comma-separated whole numbers of days'],
    [
      { CERT_ALERT_LIFETIME_PERCENT: '33,150' },
      'CERT_ALERT_LIFETIME_PERCENT must be comma-separated whole percents',
    ],
    [{ CERT_ALERT_CRON: 'every day' }, 'CERT_ALERT_CRON must be a cron pattern of 5 fields'],
    [{ CERT_TIMEZONE: 'Mars/Base' }, 'CERT_TIMEZONE must be an IANA time zone'],
    [{ CERT_APPLY: 'sometimes' }, 'CERT_APPLY must be one of auto, manual (got "sometimes")'],
    [
      { CERT_CAS_CONTACT_IDS: '12,alice' },
      'CERT_CAS_CONTACT_IDS must be comma-separated numeric CAS contact IDs',
    ],
    [{ CERT_CAS_COMPANY_ID: 'acme' }, 'CERT_CAS_COMPANY_ID must be a numeric CAS company ID'],
    [{ CERT_VALIDATION_METHOD: 'FILE' }, 'CERT_VALIDATION_METHOD must be one of DNS, HTTP (got "FILE")'],
    [
      { CERT_KEY_ALGORITHM: 'RSA_1024' },
      'CERT_KEY_ALGORITHM must be one of RSA_2048, RSA_3072, RSA_4096, ECC_256',
    ],
    [{ CERT_DEPLOY: 'yes' }, 'CERT_DEPLOY must be one of ask, off (got "yes")'],
    [
      { CERT_DEPLOY_PRODUCTS: 'CDN,Akamai' },
      'CERT_DEPLOY_PRODUCTS must be a comma-separated list of CDN, DCDN',
    ],
    [{ CERT_TLS_CHECK: 'maybe' }, 'CERT_TLS_CHECK must be one of on, off (got "maybe")'],
    [{ CERT_TLS_RESOLVE: 'shop.example.com:443' }, 'CERT_TLS_RESOLVE must be domain=host:port entries'],
    [
      { CERT_TLS_RESOLVE: 'a.example.com=10.0.0.1:99999' },
      'CERT_TLS_RESOLVE must be domain=host:port entries',
    ],
  ])('stops on %j with a line naming the variable', (overrides, line) => {
    const env = { ...minimal, ...overrides };

    expect(() => loadConfig(env)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(`  - ${line}`) }),
    );
  });

  it('names every bad variable at once, one line each', () => {
    const attempt = () => loadConfig({ PORT: 'x' });

    expect(attempt).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/^Invalid configuration:\n( {2}- .+\n){3} {2}- .+$/),
      }),
    );
  });

  it.each([
    ['SLACK_BOT_TOKEN', { SLACK_BOT_TOKEN: `xoxp-${leakCanarySecret}` }],
    ['SLACK_APP_TOKEN', { SLACK_APP_TOKEN: leakCanarySecret }],
    ['REDIS_URL', { REDIS_URL: `http://user:${leakCanarySecret}@host` }],
    ['ALIBABA_CLOUD_ACCESS_KEY_SECRET', { ALIBABA_CLOUD_ACCESS_KEY_SECRET: leakCanarySecret }],
  ])('never echoes the value of the secret %s', (_name, overrides) => {
    const attempt = () => loadConfig({ ...minimal, SLACK_SIGNING_SECRET: 'x', ...overrides });

    expect(attempt).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.not.stringContaining(leakCanarySecret),
      }),
    );
  });
});
