import { z } from 'zod';
import { type EnvOf, optionalString, prefixed, url } from './fields.ts';

/** The variables that connect the bot to Slack. */
export const slackEnvShape = {
  SLACK_BOT_TOKEN: z
    .string({ error: 'is required: the bot token (xoxb-…) from the Slack app' })
    .refine((v) => v.startsWith('xoxb-'), { message: 'must be a bot token starting with xoxb-' }),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: prefixed('xapp-', 'an app-level token'),
  SLACK_API_URL: url(undefined, ['http:', 'https:']),
};

/** The `slack` section of the configuration. */
export function slackSection(env: EnvOf<typeof slackEnvShape>) {
  return {
    /** Bot token (`xoxb-…`). */
    botToken: env.SLACK_BOT_TOKEN,
    /** Request signing secret; undefined in Socket Mode. */
    signingSecret: env.SLACK_SIGNING_SECRET,
    /** App-level token (`xapp-…`); set means Socket Mode. */
    appToken: env.SLACK_APP_TOKEN,
    /** Web API base URL; undefined means Slack's own. */
    apiUrl: env.SLACK_API_URL,
  };
}
