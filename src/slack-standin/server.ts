import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import { type BlocksLimit, defaultBlocksLimit, messageRefusal, viewProblems } from './block-kit-limits.ts';

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

const jsonFields = new Set(['blocks', 'attachments', 'view', 'metadata', 'unfurl_links']);

/**
 * A local stand-in for Slack's Web API (`SLACK_API_URL`) and `response_url`s: records every call, answers as Slack
 * does (`ok`, `ts`, error codes, HTTP 429 with `Retry-After`), keeps channel history and threads, and checks Block
 * Kit limits, `thread_ts` and `text`, so that what would fail in Slack fails here.
 */
export function createSlackStandIn(options: SlackStandInOptions) {
  const teamId = options.teamId ?? 'T0TEST';
  const botUserId = options.botUserId ?? 'U0BOT';
  const botId = options.botId ?? 'B0BOT';
  const appId = options.appId ?? 'A0CERTBOT';
  const usergroups = new Map(Object.entries(options.usergroups ?? {}));
  const blocksLimit = options.blocksLimit ?? defaultBlocksLimit;
  const channelErrors = new Map(Object.entries(options.channelErrors ?? {}));
  const channelMembers = new Map(Object.entries(options.channelMembers ?? {}));
  const channelsWithoutBot = new Map(Object.entries(options.channelsWithoutBot ?? {}));
  const scopes = new Set(
    options.scopes ?? ['commands', 'chat:write', 'chat:write.public', 'usergroups:read'],
  );
  // Slack accepts 5 posts to one response_url within 30 minutes.
  const responseUrlUses = new Map<string, number[]>();
  const calls: SlackCall[] = [];
  const responses: ResponseUrlPost[] = [];
  const messages: StoredMessage[] = [];
  const views = new Map<string, Record<string, unknown>>();
  const triggers = new Map<string, number | 'used'>();
  const triggerTtlMs = 3_000;
  const faults: Array<Required<Pick<SlackFault, 'times'>> & SlackFault> = [];
  const events = new EventEmitter();
  events.setMaxListeners(1000);
  let counter = 0;
  let server: Server | undefined;
  let baseUrl = '';

  const nextTs = () => {
    counter += 1;
    return `${1_700_000_000 + counter}.${String(counter).padStart(6, '0')}`;
  };
  const fail = (error: string, extra: Record<string, unknown> = {}) => ({ ok: false, error, ...extra });
  const findMessage = (channel: unknown, ts: unknown) =>
    messages.find((m) => m.channel === channel && m.ts === ts && m.ephemeralTo === undefined);

  function takeFault(method: string, args: Record<string, unknown>): SlackFault | undefined {
    const index = faults.findIndex(
      (f) =>
        f.method === method &&
        Object.entries(f.when ?? {}).every(([k, v]) => args[k] === v) &&
        (f.matches?.(args) ?? true),
    );
    const fault = faults[index];
    if (!fault) return undefined;
    fault.times -= 1;
    if (fault.times <= 0) faults.splice(index, 1);
    return fault;
  }

  function checkMessageArgs(args: Record<string, unknown>): Record<string, unknown> | undefined {
    if (typeof args.channel !== 'string' || args.channel === '') return fail('channel_not_found');
    const channelError = channelErrors.get(args.channel);
    if (channelError) return fail(channelError);
    const refusal = messageRefusal(args, blocksLimit);
    if (!refusal) return undefined;
    return fail(refusal.error, refusal.problems ? { response_metadata: { messages: refusal.problems } } : {});
  }

  function handleMethod(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://test.slack.com/',
          team: 'Test',
          user: 'certbot',
          team_id: teamId,
          user_id: botUserId,
          bot_id: botId,
          app_id: appId,
          is_enterprise_install: false,
        };
      case 'chat.postMessage': {
        const invalid = checkMessageArgs(args);
        if (invalid) return invalid;
        const outside = channelsWithoutBot.get(args.channel as string);
        if (outside === 'private') return fail('channel_not_found');
        if (outside === 'public' && !scopes.has('chat:write.public')) return fail('not_in_channel');
        const threadTs = args.thread_ts === undefined ? undefined : String(args.thread_ts);
        if (threadTs !== undefined) {
          const parent = findMessage(args.channel, threadTs);
          // Slack threads only under a parent message; a reply's ts or a float would not thread.
          if (!parent || parent.threadTs !== undefined) return fail('thread_not_found');
        }
        const message: StoredMessage = {
          channel: args.channel as string,
          ts: nextTs(),
          threadTs,
          text: args.text as string,
          blocks: args.blocks as unknown[] | undefined,
          history: [],
          ephemeralTo: undefined,
        };
        messages.push(message);
        return {
          ok: true,
          channel: message.channel,
          ts: message.ts,
          message: { text: message.text, ts: message.ts, bot_id: botId },
        };
      }
      case 'chat.update': {
        const message = findMessage(args.channel, args.ts);
        if (!message) return fail('message_not_found');
        if (message.author !== undefined) return fail('cant_update_message');
        const invalid = checkMessageArgs(args);
        if (invalid) return invalid;
        message.history.push({ text: message.text, blocks: message.blocks });
        message.text = args.text as string;
        message.blocks = args.blocks as unknown[] | undefined;
        return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
      }
      case 'chat.postEphemeral': {
        const invalid = checkMessageArgs(args);
        if (invalid) return invalid;
        if (typeof args.user !== 'string') return fail('user_not_found');
        const members = channelMembers.get(args.channel as string);
        if (members && !members.includes(args.user)) return fail('user_not_in_channel');
        const ts = nextTs();
        messages.push({
          channel: args.channel as string,
          ts,
          threadTs: undefined,
          text: args.text as string,
          blocks: args.blocks as unknown[] | undefined,
          history: [],
          ephemeralTo: args.user,
        });
        return { ok: true, message_ts: ts };
      }
      case 'chat.getPermalink': {
        const message = findMessage(args.channel, args.message_ts);
        if (!message) return fail('message_not_found');
        return {
          ok: true,
          channel: message.channel,
          permalink: `https://test.slack.com/archives/${message.channel}/p${message.ts.replace('.', '')}`,
        };
      }
      case 'views.open':
      case 'views.push': {
        if (typeof args.trigger_id !== 'string' || args.trigger_id === '') return fail('invalid_trigger_id');
        // Slack's trigger_id: issued with an interaction, valid about 3 seconds, usable once.
        const issuedAt = triggers.get(args.trigger_id);
        if (issuedAt === undefined) return fail('invalid_trigger_id');
        if (issuedAt === 'used') return fail('trigger_exchanged');
        if (Date.now() - issuedAt > triggerTtlMs) return fail('expired_trigger_id');
        triggers.set(args.trigger_id, 'used');
        const view = args.view as Record<string, unknown> | undefined;
        if (!view) return fail('invalid_arguments');
        const problems = viewProblems(view);
        if (problems.length > 0)
          return fail('invalid_arguments', { response_metadata: { messages: problems } });
        const id = `V${String(views.size + 1).padStart(8, '0')}`;
        views.set(id, view);
        return { ok: true, view: { ...view, id, team_id: teamId } };
      }
      case 'views.update': {
        const id = args.view_id as string | undefined;
        if (!id || !views.has(id)) return fail('not_found');
        const view = args.view as Record<string, unknown>;
        const problems = viewProblems(view);
        if (problems.length > 0)
          return fail('invalid_arguments', { response_metadata: { messages: problems } });
        views.set(id, view);
        return { ok: true, view: { ...view, id } };
      }
      case 'apps.connections.open':
        return options.socketMode
          ? { ok: true, url: options.socketMode.url }
          : fail('not_allowed_token_type');
      case 'usergroups.users.list': {
        const users = usergroups.get(String(args.usergroup));
        if (!users) return fail('no_such_subteam');
        return { ok: true, users };
      }
      default:
        return fail('unknown_method');
    }
  }

  async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    if ((req.headers['content-type'] ?? '').includes('application/json'))
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    const parsed: Record<string, unknown> = { ...parseQuery(text) };
    // The Web API client sends objects (blocks, view) JSON-encoded inside form fields.
    for (const key of Object.keys(parsed)) {
      if (jsonFields.has(key) && typeof parsed[key] === 'string')
        parsed[key] = JSON.parse(parsed[key] as string);
    }
    return parsed;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const body = await readBody(req);
    if (url.pathname.startsWith('/response/')) {
      const post = { id: url.pathname.slice('/response/'.length), body };
      const uses = (responseUrlUses.get(post.id) ?? []).filter((t) => Date.now() - t < 30 * 60_000);
      if (uses.length >= 5) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('used_url');
        return;
      }
      responseUrlUses.set(post.id, [...uses, Date.now()]);
      responses.push(post);
      events.emit('response', post);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ')
      ? auth.slice(7)
      : typeof body.token === 'string'
        ? body.token
        : undefined;
    const { token: _t, ...args } = body;
    let status = 200;
    let response: Record<string, unknown>;
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    const fault = takeFault(method, args);
    if (fault?.delayMs) {
      events.emit('slow', { method, args });
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    }
    // apps.connections.open is the one method called with the app-level token, never the bot token.
    const expectedToken =
      method === 'apps.connections.open' ? options.socketMode?.appToken : options.botToken;
    if (token === undefined || token !== expectedToken) {
      response = fail(token === undefined ? 'not_authed' : 'invalid_auth');
    } else if (fault?.retryAfter !== undefined) {
      status = 429;
      headers['retry-after'] = String(fault.retryAfter);
      response = fail('ratelimited');
    } else if (fault?.error !== undefined) {
      response = fail(fault.error);
    } else {
      response = handleMethod(method, args);
    }
    const call: SlackCall = { method, token, args, response, status };
    calls.push(call);
    events.emit('call', call);
    res.writeHead(status, headers);
    res.end(JSON.stringify(response));
  }

  function waitFor<T>(
    event: 'call' | 'response',
    existing: () => T[],
    predicate: (item: T) => boolean,
    timeoutMs: number,
    describe: () => string,
  ): Promise<T> {
    const found = existing().find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onItem = (item: T) => {
        if (!predicate(item)) return;
        clearTimeout(timer);
        events.off(event, onItem);
        resolve(item);
      };
      const timer = setTimeout(() => {
        events.off(event, onItem);
        reject(new Error(`No matching Slack ${event} within ${timeoutMs} ms; got: ${describe()}`));
      }, timeoutMs);
      events.on(event, onItem);
    });
  }

  return {
    calls,
    responses,
    messages,
    teamId,
    botUserId,
    /** Base URL for `SLACK_API_URL` (`…/api/`). */
    get apiUrl(): string {
      return `${baseUrl}/api/`;
    },
    /** A message a person posted (the bot may not update it); returns its `ts`. */
    postAsUser(channel: string, user: string, text: string): string {
      const ts = nextTs();
      messages.push({
        channel,
        ts,
        threadTs: undefined,
        text,
        blocks: undefined,
        history: [],
        ephemeralTo: undefined,
        author: user,
      });
      return ts;
    },
    /** A `trigger_id` as Slack issues one with an interaction: valid for 3 seconds, for one `views.open`. */
    issueTrigger(): string {
      const id = `${Math.floor(Date.now() / 1000)}.${triggers.size + 1}.${Math.random().toString(16).slice(2, 10)}`;
      triggers.set(id, Date.now());
      return id;
    },
    /** Resolves when a call held back by a `delayMs` fault arrives (before it is answered). */
    nextSlowCall(): Promise<{ method: string; args: Record<string, unknown> }> {
      return new Promise((resolve) => events.once('slow', resolve));
    },
    /** A fresh `response_url` pointing at this stand-in. */
    responseUrl(id = String(responses.length + calls.length + Math.random()).replace('.', '')): string {
      return `${baseUrl}/response/${id}`;
    },
    addFault(fault: SlackFault): void {
      faults.push({ ...fault, times: fault.times ?? 1 });
    },
    setUsergroup(id: string, users: string[]): void {
      usergroups.set(id, users);
    },
    setChannelError(channel: string, error: string | undefined): void {
      if (error === undefined) channelErrors.delete(channel);
      else channelErrors.set(channel, error);
    },
    /** Calls of one method, answered ok. */
    okCalls(method: string): SlackCall[] {
      return calls.filter((c) => c.method === method && c.response.ok === true);
    },
    /** The replies under a parent message, oldest first. */
    thread(channel: string, parentTs: string): StoredMessage[] {
      return messages.filter((m) => m.channel === channel && m.threadTs === parentTs);
    },
    message(channel: string, ts: string): StoredMessage | undefined {
      return findMessage(channel, ts);
    },
    /** Calls `listener` with every call from now on; returns a function that stops it. */
    onCall(listener: (call: SlackCall) => void): () => void {
      events.on('call', listener);
      return () => events.off('call', listener);
    },
    /** Resolves with the first call (past or future) matching, or rejects after `timeoutMs`. */
    waitForCall(predicate: (call: SlackCall) => boolean, timeoutMs = 5_000): Promise<SlackCall> {
      return waitFor(
        'call',
        () => calls,
        predicate,
        timeoutMs,
        () => calls.map((c) => `${c.method}:${String(c.response.error ?? 'ok')}`).join(', ') || 'nothing',
      );
    },
    /** Resolves with the first `response_url` post matching, or rejects after `timeoutMs`. */
    waitForResponse(
      predicate: (post: ResponseUrlPost) => boolean = () => true,
      timeoutMs = 5_000,
    ): Promise<ResponseUrlPost> {
      return waitFor(
        'response',
        () => responses,
        predicate,
        timeoutMs,
        () => JSON.stringify(responses.map((r) => r.body.text)),
      );
    },
    /** Resolves once `count` messages are in the thread, or rejects after `timeoutMs`. */
    async waitForThread(
      channel: string,
      parentTs: string,
      count: number,
      timeoutMs = 5_000,
    ): Promise<StoredMessage[]> {
      await waitFor(
        'call',
        () => calls,
        () => this.thread(channel, parentTs).length >= count,
        timeoutMs,
        () => JSON.stringify(this.thread(channel, parentTs).map((m) => m.text)),
      );
      return this.thread(channel, parentTs);
    },
    async listen(port = 0): Promise<string> {
      server = createServer((req, res) => {
        handle(req, res).catch((err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        });
      });
      await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return baseUrl;
    },
    async close(): Promise<void> {
      if (!server) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    },
  };
}

/** A running Slack stand-in. */
export type SlackStandIn = ReturnType<typeof createSlackStandIn>;
