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

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) return 'too_large';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
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
          send(res, 413, '');
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
