import type { BlocksLimit } from './block-kit-limits.ts';

/** A Web API call the stand-in received. */
export interface SlackCall {
  method: string;
  token: string | undefined;
  args: Record<string, unknown>;
  /** What the stand-in answered. */
  response: Record<string, unknown>;
  status: number;
}

/** A message as the stand-in keeps it (channel history with threads). */
export interface StoredMessage {
  channel: string;
  ts: string;
  threadTs: string | undefined;
  text: string;
  blocks: unknown[] | undefined;
  /** Every earlier version, oldest first, when the message was updated. */
  history: Array<{ text: string; blocks: unknown[] | undefined }>;
  ephemeralTo: string | undefined;
  /** Who posted it: the bot, or a person (`postAsUser`). Slack lets the bot update only its own messages. */
  author?: string;
}

/** A POST to a `response_url` the stand-in handed out. */
export interface ResponseUrlPost {
  id: string;
  body: Record<string, unknown>;
}

/** A scripted failure: `error` answers `{ok:false,error}`; `retryAfter` answers HTTP 429 with that header. */
export interface SlackFault {
  method: string;
  error?: string;
  retryAfter?: number;
  times?: number;
  /** Only calls whose args match these values. */
  when?: Record<string, string>;
  /** Only calls whose args pass this test (a refusal of one message's content, whatever its channel or ts). */
  matches?: (args: Record<string, unknown>) => boolean;
  /** Answers only after this long, milliseconds (a slow Slack; the call itself then succeeds or fails as set). */
  delayMs?: number;
}

/** Options of {@link createSlackStandIn}. */
export interface SlackStandInOptions {
  botToken: string;
  teamId?: string;
  botUserId?: string;
  botId?: string;
  /** The app the bot token belongs to (`auth.test`'s `app_id`). @defaultValue A0CERTBOT */
  appId?: string;
  /** User-group ID → member user IDs, for `usergroups.users.list`. */
  usergroups?: Record<string, string[]>;
  /** Channels that answer with an error for any post: `not_in_channel`, `channel_not_found`, `is_archived`. */
  channelErrors?: Record<string, string>;
  /**
   * Members of channels, for the rules that depend on them: `chat.postEphemeral` to a non-member fails
   * `user_not_in_channel`. Channels not listed here count everyone as a member.
   */
  channelMembers?: Record<string, string[]>;
  /**
   * Channels the bot is not a member of. Posting there fails like Slack: a private one is `channel_not_found`; a
   * public one is `not_in_channel` unless the bot has `chat:write.public` (see `scopes`).
   */
  channelsWithoutBot?: Record<string, 'public' | 'private'>;
  /** The bot token's scopes. @defaultValue the manifest's: commands, chat:write, chat:write.public, usergroups:read */
  scopes?: string[];
  /** How the blocks' total size is measured, and the most accepted. @defaultValue JSON, 13,000 characters */
  blocksLimit?: BlocksLimit;
  /** Socket Mode: the app-level token `apps.connections.open` accepts, and the WebSocket URL it answers. */
  socketMode?: { appToken: string; url: string };
}
