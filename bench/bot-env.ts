import { testBotToken, testSigningSecret } from '../src/dev/slack-payloads.ts';
import { testCredentials } from '../test/support/secrets.ts';

/**
 * The environment every benchmark subject starts with: the Slack stand-in, the CAS simulator (with the test keys),
 * its own Redis key prefix, any free ports. `extra` adds or overrides variables.
 */
export function botEnv(
  where: { slackApiUrl: string; casUrl: string; redisUrl: string; prefix: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: testBotToken,
    SLACK_SIGNING_SECRET: testSigningSecret,
    SLACK_API_URL: where.slackApiUrl,
    PORT: '0',
    METRICS_PORT: '0',
    REDIS_URL: where.redisUrl,
    CERT_REDIS_PREFIX: where.prefix,
    CAS_ENDPOINT: where.casUrl,
    ALIBABA_CLOUD_ACCESS_KEY_ID: testCredentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: testCredentials.accessKeySecret,
    CERT_APPROVERS: 'U0APPROVER',
    ...extra,
  };
}
