import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../logger.ts';
import { verifySlackSignature } from './verify-signature.ts';

/** Options of {@link createHttpServer}. */
export interface HttpServerOptions {
  /** Bolt's HTTPReceiver `requestListener`, which gets requests only after they passed our checks. */
  slackListener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  /** Verifies `/slack/events` when set (HTTP mode); unset in Socket Mode. */
  signingSecret: string | undefined;
  now: () => number;
  logger: Logger;
  /** Liveness: resolves true when Redis answers. */
  health: () => Promise<boolean>;
  /** Readiness: resolves true when Redis and the queues answer. */
  ready?: () => Promise<boolean>;
  /** Prometheus text for `/metrics`, when metrics are enabled. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** Largest accepted request body, bytes. @defaultValue 1 MiB */
  bodyLimit?: number;
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...extra });
  res.end(body);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) return Promise.resolve('too_large');
  // Events rather than `for await`: the async iterator costs more than the rest of the read (measured under a
  // burst of slash commands).
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > limit) {
        // Stop keeping it; the 413 closes the connection, so the rest is never read.
        req.off('data', onData);
        chunks.length = 0;
        resolve('too_large');
      }
    };
    req.on('data', onData);
    req.once('end', () => {
      if (size <= limit) resolve(Buffer.concat(chunks, size));
    });
    req.once('error', reject);
  });
}

const interactionTypes = new Set([
  'block_actions',
  'view_submission',
  'view_closed',
  'shortcut',
  'message_action',
  'block_suggestion',
]);

/**
 * Whether a signed body is something Bolt can route: a slash command, an interaction payload of a known type, or
 * Slack's ssl_check. Anything else would sit unacked in Bolt for 3 seconds and then get a 404; it gets a 400 now.
 */
export function looksLikeSlackRequest(contentType: string | undefined, body: Buffer): boolean {
  if ((contentType ?? '').includes('application/json')) return true;
  const form = new URLSearchParams(body.toString());
  if (form.get('ssl_check') === '1' || typeof form.get('command') === 'string') return true;
  const payload = form.get('payload');
  if (payload === null) return false;
  try {
    const parsed = JSON.parse(payload) as {
      type?: unknown;
      user?: { id?: unknown };
      actions?: unknown;
      view?: { callback_id?: unknown };
    };
    if (
      typeof parsed.type !== 'string' ||
      !interactionTypes.has(parsed.type) ||
      typeof parsed.user?.id !== 'string'
    )
      return false;
    // The fields Bolt routes on: without them no listener could ever ack.
    if (parsed.type === 'block_actions') return Array.isArray(parsed.actions) && parsed.actions.length > 0;
    if (parsed.type === 'view_submission' || parsed.type === 'view_closed')
      return typeof parsed.view?.callback_id === 'string';
    return true;
  } catch {
    return false;
  }
}

/**
 * The one HTTP server of the app role: `/slack/events` (signature checked here, within ±5 minutes, then handed
 * to Bolt with the body already buffered), `/healthz` and `/metrics`.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const handle = async () => {
      if (req.method === 'GET' && path === '/healthz') {
        const ok = await options.health().catch(() => false);
        send(
          res,
          ok ? 200 : 503,
          JSON.stringify({ status: ok ? 'ok' : 'redis unavailable' }),
          'application/json',
        );
        return;
      }
      if (req.method === 'GET' && path === '/readyz' && options.ready) {
        const ok = await options.ready().catch(() => false);
        send(res, ok ? 200 : 503, JSON.stringify({ status: ok ? 'ready' : 'not ready' }), 'application/json');
        return;
      }
      if (req.method === 'GET' && path === '/metrics' && options.metrics) {
        const m = await options.metrics();
        send(res, 200, m.body, m.contentType);
        return;
      }
      if (
        req.method === 'POST' &&
        path === '/slack/events' &&
        options.slackListener &&
        options.signingSecret
      ) {
        const body = await readBody(req, bodyLimit);
        if (body === 'too_large') {
          options.logger.warn({ path }, 'Slack request refused: body too large');
          send(res, 413, '', undefined, { connection: 'close' });
          return;
        }
        const verdict = verifySlackSignature({
          signingSecret: options.signingSecret,
          rawBody: body,
          timestamp: req.headers['x-slack-request-timestamp'] as string | undefined,
          signature: req.headers['x-slack-signature'] as string | undefined,
          nowMs: options.now(),
        });
        if (!verdict.ok) {
          options.logger.warn({ problem: verdict.problem }, 'Slack request refused: invalid signature');
          send(res, 401, '');
          return;
        }
        if (!looksLikeSlackRequest(req.headers['content-type'], body)) {
          options.logger.warn({ path }, 'Slack request refused: not a command or interaction');
          send(res, 400, '');
          return;
        }
        // Bolt reuses an already-buffered body (`rawBody`) instead of reading the stream again.
        (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
        options.slackListener(req, res);
        return;
      }
      send(res, 404, 'not found');
    };
    handle().catch((err: unknown) => {
      options.logger.error({ err: { message: (err as Error).message } }, 'HTTP handler failed');
      if (!res.headersSent) send(res, 500, '');
    });
  });
}
