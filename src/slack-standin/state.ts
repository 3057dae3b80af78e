import { defaultBlocksLimit, messageRefusal } from './block-kit-limits.ts';
import type { SlackCall, SlackStandInOptions, StoredMessage } from './model.ts';

/** A Web API answer: `{ ok: true, … }` or `{ ok: false, error, … }`. */
export type SlackAnswer = Record<string, unknown>;

/** `{ ok: false, error }`, with any extra fields Slack adds (`response_metadata`). */
export const fail = (error: string, extra: Record<string, unknown> = {}): SlackAnswer => ({
  ok: false,
  error,
  ...extra,
});

/** The workspace as the stand-in keeps it: identity, channels, messages, views and the calls received. */
export function createStandInState(options: SlackStandInOptions) {
  let counter = 0;
  const messages: StoredMessage[] = [];
  const channelErrors = new Map(Object.entries(options.channelErrors ?? {}));
  const blocksLimit = options.blocksLimit ?? defaultBlocksLimit;
  return {
    options,
    teamId: options.teamId ?? 'T0TEST',
    botUserId: options.botUserId ?? 'U0BOT',
    botId: options.botId ?? 'B0BOT',
    appId: options.appId ?? 'A0CERTBOT',
    usergroups: new Map(Object.entries(options.usergroups ?? {})),
    channelErrors,
    channelMembers: new Map(Object.entries(options.channelMembers ?? {})),
    channelsWithoutBot: new Map(Object.entries(options.channelsWithoutBot ?? {})),
    scopes: new Set(options.scopes ?? ['commands', 'chat:write', 'chat:write.public', 'usergroups:read']),
    calls: [] as SlackCall[],
    messages,
    /** A new, increasing message `ts`. */
    nextTs(): string {
      counter += 1;
      return `${1_700_000_000 + counter}.${String(counter).padStart(6, '0')}`;
    },
    /** A channel message (not an ephemeral one) by channel and `ts`. */
    findMessage: (channel: unknown, ts: unknown) =>
      messages.find((m) => m.channel === channel && m.ts === ts && m.ephemeralTo === undefined),
    /** Refuses a message's channel and content as Slack would; undefined when it may be posted. */
    checkMessageArgs(args: Record<string, unknown>): SlackAnswer | undefined {
      if (typeof args.channel !== 'string' || args.channel === '') return fail('channel_not_found');
      const channelError = channelErrors.get(args.channel);
      if (channelError) return fail(channelError);
      const refusal = messageRefusal(args, blocksLimit);
      if (!refusal) return undefined;
      return fail(
        refusal.error,
        refusal.problems ? { response_metadata: { messages: refusal.problems } } : {},
      );
    },
  };
}

/** The stand-in's state. */
export type StandInState = ReturnType<typeof createStandInState>;

/** One Web API method: its arguments in, Slack's answer out. */
export type SlackMethod = (args: Record<string, unknown>) => SlackAnswer;

/** Method name → handler, one table per Web API area. */
export type SlackMethodTable = Readonly<Record<string, SlackMethod>>;
