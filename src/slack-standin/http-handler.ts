import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { createSlackFaults } from './faults.ts';
import type { ResponseUrlPost, SlackCall, SlackFault } from './model.ts';
import { fail, type SlackAnswer, type SlackMethodTable } from './state.ts';

const jsonFields = new Set(['blocks', 'attachments', 'view', 'metadata', 'unfurl_links']);

/** What {@link createSlackRequestHandler} needs from the stand-in. */
export interface SlackRequestHandlerDeps {
  botToken: string;
  /** The app-level token `apps.connections.open` accepts (Socket Mode). */
  appToken: string | undefined;
  /** Method name → handler, every Web API area merged. */
  methods: SlackMethodTable;
  faults: ReturnType<typeof createSlackFaults>;
  /** Emits `call`, `response` and `slow`. */
  events: EventEmitter;
  calls: SlackCall[];
  responses: ResponseUrlPost[];
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

/** The bearer token, else the form's `token` field. */
function tokenOf(req: IncomingMessage, body: Record<string, unknown>): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  return typeof body.token === 'string' ? body.token : undefined;
}

/**
 * The stand-in's HTTP handler: `response_url` posts (5 per URL within 30 minutes, as Slack allows), and Web API
 * calls: token checked, scripted faults played, the method run from the table, the call recorded.
 */
export function createSlackRequestHandler(deps: SlackRequestHandlerDeps) {
  const responseUrlUses = new Map<string, number[]>();

  function respond(res: ServerResponse, id: string, body: Record<string, unknown>): void {
    const uses = (responseUrlUses.get(id) ?? []).filter((t) => Date.now() - t < 30 * 60_000);
    if (uses.length >= 5) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('used_url');
      return;
    }
    responseUrlUses.set(id, [...uses, Date.now()]);
    const post = { id, body };
    deps.responses.push(post);
    deps.events.emit('response', post);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  }

  function answer(
    method: string,
    token: string | undefined,
    args: Record<string, unknown>,
    fault: SlackFault | undefined,
  ) {
    // apps.connections.open is the one method called with the app-level token, never the bot token.
    const expectedToken = method === 'apps.connections.open' ? deps.appToken : deps.botToken;
    if (token === undefined || token !== expectedToken)
      return { status: 200, response: fail(token === undefined ? 'not_authed' : 'invalid_auth') };
    if (fault?.retryAfter !== undefined) return { status: 429, response: fail('ratelimited') };
    if (fault?.error !== undefined) return { status: 200, response: fail(fault.error) };
    const run = Object.hasOwn(deps.methods, method) ? deps.methods[method] : undefined;
    const response: SlackAnswer = run ? run(args) : fail('unknown_method');
    return { status: 200, response };
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const body = await readBody(req);
    if (url.pathname.startsWith('/response/'))
      return respond(res, url.pathname.slice('/response/'.length), body);
    const method = url.pathname.replace(/^\/api\//, '');
    const token = tokenOf(req, body);
    const { token: _t, ...args } = body;
    const fault = deps.faults.take(method, args);
    if (fault?.delayMs) {
      deps.events.emit('slow', { method, args });
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    }
    const { status, response } = answer(method, token, args, fault);
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    if (status === 429) headers['retry-after'] = String(fault?.retryAfter);
    const call: SlackCall = { method, token, args, response, status };
    deps.calls.push(call);
    deps.events.emit('call', call);
    res.writeHead(status, headers);
    res.end(JSON.stringify(response));
  };
}
