import type { StoredMessage } from './model.ts';
import { fail, type SlackMethodTable, type StandInState } from './state.ts';

/** chat.postMessage: to a channel the bot may post in; `thread_ts` only under a parent message. */
function postMessage(state: StandInState, args: Record<string, unknown>) {
  const invalid = state.checkMessageArgs(args);
  if (invalid) return invalid;
  const outside = state.channelsWithoutBot.get(args.channel as string);
  if (outside === 'private') return fail('channel_not_found');
  if (outside === 'public' && !state.scopes.has('chat:write.public')) return fail('not_in_channel');
  const threadTs = args.thread_ts === undefined ? undefined : String(args.thread_ts);
  if (threadTs !== undefined) {
    const parent = state.findMessage(args.channel, threadTs);
    // Slack threads only under a parent message; a reply's ts or a float would not thread.
    if (!parent || parent.threadTs !== undefined) return fail('thread_not_found');
  }
  const message: StoredMessage = {
    channel: args.channel as string,
    ts: state.nextTs(),
    threadTs,
    text: args.text as string,
    blocks: args.blocks as unknown[] | undefined,
    history: [],
    ephemeralTo: undefined,
  };
  state.messages.push(message);
  return {
    ok: true,
    channel: message.channel,
    ts: message.ts,
    message: { text: message.text, ts: message.ts, bot_id: state.botId },
  };
}

/** The chat methods: post, update (the bot's own messages only), post ephemeral (to members), permalinks. */
export function createChatMethods(state: StandInState): SlackMethodTable {
  return {
    'chat.postMessage': (args) => postMessage(state, args),
    'chat.update'(args) {
      const message = state.findMessage(args.channel, args.ts);
      if (!message) return fail('message_not_found');
      if (message.author !== undefined) return fail('cant_update_message');
      const invalid = state.checkMessageArgs(args);
      if (invalid) return invalid;
      message.history.push({ text: message.text, blocks: message.blocks });
      message.text = args.text as string;
      // As Slack does: an update without `blocks` keeps the message's blocks; an empty array removes them.
      if (args.blocks !== undefined) message.blocks = args.blocks as unknown[];
      return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
    },
    'chat.postEphemeral'(args) {
      const invalid = state.checkMessageArgs(args);
      if (invalid) return invalid;
      if (typeof args.user !== 'string') return fail('user_not_found');
      const members = state.channelMembers.get(args.channel as string);
      if (members && !members.includes(args.user)) return fail('user_not_in_channel');
      const ts = state.nextTs();
      state.messages.push({
        channel: args.channel as string,
        ts,
        threadTs: undefined,
        text: args.text as string,
        blocks: args.blocks as unknown[] | undefined,
        history: [],
        ephemeralTo: args.user,
      });
      return { ok: true, message_ts: ts };
    },
    'chat.getPermalink'(args) {
      const message = state.findMessage(args.channel, args.message_ts);
      if (!message) return fail('message_not_found');
      return {
        ok: true,
        channel: message.channel,
        permalink: `https://test.slack.com/archives/${message.channel}/p${message.ts.replace('.', '')}`,
      };
    },
  };
}
