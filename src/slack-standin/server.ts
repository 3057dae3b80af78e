import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChatMethods } from './chat-methods.ts';
import { createSlackFaults } from './faults.ts';
import { createSlackRequestHandler } from './http-handler.ts';
import type { ResponseUrlPost, SlackCall, SlackFault, SlackStandInOptions, StoredMessage } from './model.ts';
import { createStandInState, type StandInState } from './state.ts';
import { createViewMethods } from './view-methods.ts';
import { createWaiters } from './waiters.ts';
import { createWorkspaceMethods } from './workspace-methods.ts';

export type { ResponseUrlPost, SlackCall, SlackFault, SlackStandInOptions, StoredMessage } from './model.ts';

/** Serves `handle` on 127.0.0.1 until closed; knows its base URL once listening. */
function createListener(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  let server: Server | undefined;
  let baseUrl = '';
  return {
    baseUrl: () => baseUrl,
    async listen(port = 0): Promise<string> {
      const started = createServer((req, res) => {
        handle(req, res).catch((err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        });
      });
      server = started;
      await new Promise<void>((resolve) => started.listen(port, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(started.address() as AddressInfo).port}`;
      return baseUrl;
    },
    async close(): Promise<void> {
      if (!server) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    },
  };
}

/** What tests read and set in the workspace: messages, threads, calls, user groups, channel errors. */
function workspaceApi(state: StandInState) {
  return {
    /** A message a person posted (the bot may not update it); returns its `ts`. */
    postAsUser(channel: string, user: string, text: string): string {
      const ts = state.nextTs();
      const message = { channel, ts, threadTs: undefined, text, blocks: undefined, history: [] };
      state.messages.push({ ...message, ephemeralTo: undefined, author: user });
      return ts;
    },
    setUsergroup(id: string, users: string[]): void {
      state.usergroups.set(id, users);
    },
    setChannelError(channel: string, error: string | undefined): void {
      if (error === undefined) state.channelErrors.delete(channel);
      else state.channelErrors.set(channel, error);
    },
    /** Calls of one method, answered ok. */
    okCalls: (method: string): SlackCall[] =>
      state.calls.filter((c) => c.method === method && c.response.ok === true),
    /** The replies under a parent message, oldest first. */
    thread: (channel: string, parentTs: string): StoredMessage[] =>
      state.messages.filter((m) => m.channel === channel && m.threadTs === parentTs),
    message: (channel: string, ts: string): StoredMessage | undefined => state.findMessage(channel, ts),
  };
}

/**
 * A local stand-in for Slack's Web API (`SLACK_API_URL`) and `response_url`s: records every call, answers as Slack
 * does (`ok`, `ts`, error codes, HTTP 429 with `Retry-After`), keeps channel history and threads, and checks Block
 * Kit limits, `thread_ts` and `text`, so that what would fail in Slack fails here. Each Web API area (chat, views,
 * workspace) is a table of methods; a call is dispatched by its method name.
 */
export function createSlackStandIn(options: SlackStandInOptions) {
  const state = createStandInState(options);
  const views = createViewMethods(state.teamId);
  const faults = createSlackFaults();
  const responses: ResponseUrlPost[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(1000);
  const workspace = workspaceApi(state);
  const listener = createListener(
    createSlackRequestHandler({
      botToken: options.botToken,
      appToken: options.socketMode?.appToken,
      methods: { ...createChatMethods(state), ...views.methods, ...createWorkspaceMethods(state) },
      faults,
      events,
      calls: state.calls,
      responses,
    }),
  );
  return {
    calls: state.calls,
    responses,
    messages: state.messages,
    teamId: state.teamId,
    botUserId: state.botUserId,
    /** Base URL for `SLACK_API_URL` (`…/api/`). */
    get apiUrl(): string {
      return `${listener.baseUrl()}/api/`;
    },
    issueTrigger: views.issueTrigger,
    /** Resolves when a call held back by a `delayMs` fault arrives (before it is answered). */
    nextSlowCall(): Promise<{ method: string; args: Record<string, unknown> }> {
      return new Promise((resolve) => events.once('slow', resolve));
    },
    /** A fresh `response_url` pointing at this stand-in. */
    responseUrl(id = String(responses.length + state.calls.length + Math.random()).replace('.', '')): string {
      return `${listener.baseUrl()}/response/${id}`;
    },
    addFault: (fault: SlackFault): void => faults.add(fault),
    ...workspace,
    /** Calls `listener` with every call from now on; returns a function that stops it. */
    onCall(onEach: (call: SlackCall) => void): () => void {
      events.on('call', onEach);
      return () => events.off('call', onEach);
    },
    ...createWaiters(events, { calls: state.calls, responses }, workspace.thread),
    listen: listener.listen,
    close: listener.close,
  };
}

/** A running Slack stand-in. */
export type SlackStandIn = ReturnType<typeof createSlackStandIn>;
