import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault } from './faults.ts';
import { SimError } from './sim-error.ts';

/** Parks a request until the test releases it: `answer` goes on, `drop` closes the connection. */
export type Hold = (action: string) => Promise<'answer' | 'drop'>;

/**
 * Plays the part of a fault that comes before the action runs (CAS did nothing): waits, holds, drops (returns
 * `dropped`, the caller closes the socket) or throws the injected error.
 */
export async function playFaultBeforeActing(
  fault: Fault | undefined,
  action: string,
  hold: Hold,
): Promise<'dropped' | undefined> {
  if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
  if (fault?.kind === 'hold' && !fault.afterActing && (await hold(action)) === 'drop') return 'dropped';
  if (fault?.kind === 'drop') return 'dropped';
  if (fault?.kind === 'throttle') {
    throw Object.assign(
      new SimError(400, 'Throttling.User', 'Request was denied due to user flow control.'),
      {
        retryAfterMs: fault.retryAfterMs,
      },
    );
  }
  if (fault?.kind === 'server-error') {
    throw new SimError(
      fault.status ?? 503,
      fault.code ?? 'ServiceUnavailable',
      'The request has failed due to a temporary failure of the server.',
    );
  }
  if (fault?.kind === 'error')
    throw new SimError(fault.status, fault.code, fault.message ?? `Injected ${fault.code}.`);
  return undefined;
}

/**
 * Plays the part of a fault that comes after the action ran (CAS did the work, the caller cannot tell): loses
 * the answer, cuts it short, or throws the injected error. Returns the outcome to record when it answered (or
 * closed the connection) itself; undefined when the normal answer is still to be sent.
 */
export async function playFaultAfterActing(
  fault: Fault | undefined,
  exchange: { action: string; hold: Hold; req: IncomingMessage; res: ServerResponse },
  body: Record<string, unknown>,
): Promise<'lost' | 'malformed' | undefined> {
  const { req, res } = exchange;
  if (fault?.kind === 'hold' && fault.afterActing && (await exchange.hold(exchange.action)) === 'drop') {
    req.socket.destroy();
    return 'lost';
  }
  if (fault?.kind === 'lost-response') {
    const socket = req.socket;
    if (fault.hangMs) setTimeout(() => socket.destroy(), fault.hangMs).unref();
    else socket.destroy();
    return 'lost';
  }
  if (fault?.kind === 'malformed') {
    res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' });
    res.end(JSON.stringify(body).slice(0, 40));
    return 'malformed';
  }
  if (fault?.kind === 'error-after-acting') {
    throw new SimError(
      fault.status ?? 500,
      fault.code ?? 'InternalError',
      'The request processing has failed due to some unknown error.',
    );
  }
  return undefined;
}
