// Development helpers (tests, demo, benchmark): never used by the running bot.
import { createHmac } from 'node:crypto';

/** The signing secret of every test app. */
export const testSigningSecret = 'test-signing-secret-0123456789abcdef';
/** The bot token of every test app. */
export const testBotToken = 'xoxb-test-bot-token-0123456789';

/** Signs a body as Slack does (v0), at `timestampSec`. */
export function slackSignature(body: string, timestampSec: number, secret = testSigningSecret): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestampSec}:${body}`).digest('hex')}`;
}

/** A slash-command form body as Slack sends it (form-encoded). */
export function slashCommandBody(
  overrides: Partial<Record<string, string>> & { text: string; response_url: string },
): string {
  const fields: Record<string, string> = {
    token: 'legacy-verification-token',
    team_id: 'T0TEST',
    team_domain: 'acme',
    channel_id: 'C0CERTS',
    channel_name: 'certs',
    user_id: 'U0REQUESTER',
    user_name: 'requester',
    command: '/cert',
    api_app_id: 'A0CERTBOT',
    is_enterprise_install: 'false',
    trigger_id: '1234.5678.abcd',
    ...overrides,
  } as Record<string, string>;
  return new URLSearchParams(fields).toString();
}

/** A `block_actions` payload for a button on a message, form-encoded as `payload=`. */
export function blockActionBody(input: {
  actionId: string;
  value: string | undefined;
  userId: string;
  channelId: string;
  messageTs: string;
  responseUrl: string;
  /** As the stand-in issued it (`issueTrigger`); a made-up one cannot open a modal. */
  triggerId?: string;
  /** The block the button is in. @defaultValue decision */
  blockId?: string;
}): string {
  const payload = {
    type: 'block_actions',
    user: { id: input.userId, username: input.userId.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0CERTBOT',
    token: 'legacy-verification-token',
    team: { id: 'T0TEST', domain: 'acme' },
    trigger_id: input.triggerId ?? `trigger.${input.userId}.${Math.random()}`,
    response_url: input.responseUrl,
    container: {
      type: 'message',
      message_ts: input.messageTs,
      channel_id: input.channelId,
      is_ephemeral: false,
    },
    channel: { id: input.channelId, name: 'certs' },
    message: { ts: input.messageTs, text: 'card', blocks: [] },
    actions: [
      {
        type: 'button',
        action_id: input.actionId,
        block_id: input.blockId ?? 'decision',
        ...(input.value !== undefined ? { value: input.value } : {}),
        action_ts: '1700000001.000001',
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A `view_submission` payload, form-encoded as `payload=`. */
export function viewSubmissionBody(input: {
  callbackId: string;
  userId: string;
  privateMetadata: string;
  values: Record<string, Record<string, { type: string; value?: string | null; selected_option?: unknown }>>;
}): string {
  const payload = {
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'acme' },
    user: { id: input.userId, name: input.userId.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0CERTBOT',
    token: 'legacy-verification-token',
    trigger_id: `trigger.view.${Math.random()}`,
    view: {
      id: 'V00000001',
      team_id: 'T0TEST',
      type: 'modal',
      callback_id: input.callbackId,
      private_metadata: input.privateMetadata,
      state: { values: input.values },
      hash: '1700000000.abcdef',
      root_view_id: 'V00000001',
      app_id: 'A0CERTBOT',
      bot_id: 'B0BOT',
    },
    response_urls: [],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Headers of a form POST signed as Slack signs it, now (or at `timestampSec`). */
export function signedSlackHeaders(
  body: string,
  timestampSec = Math.floor(Date.now() / 1000),
  secret = testSigningSecret,
): Record<string, string> {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestampSec),
    'x-slack-signature': slackSignature(body, timestampSec, secret),
  };
}
