import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimActionTable } from './actions.ts';
import { type Hold, playFaultAfterActing, playFaultBeforeActing } from './fault-play.ts';
import type { Fault } from './faults.ts';
import { toCasJson } from './json-body.ts';
import type { SimParams } from './params.ts';
import type { createRequestGuards } from './request-guards.ts';
import { SimError } from './sim-error.ts';
import { parseRawQuery, type RawRequest, type SimAccessKey, verifyV3 } from './verify-v3.ts';

/** One call the simulator received, after its signature was checked. */
export interface SimCall {
  action: string;
  params: Record<string, string>;
  accessKeyId: string | undefined;
  /** The STS session the call was made in (its `RoleSessionName`), for calls with temporary credentials. */
  sessionName?: string | undefined;
  at: number;
  /** The error code answered, `dropped`/`lost` for network faults, undefined on success. */
  outcome: string | undefined;
}

/** What {@link createCasRequestHandler} needs from the simulator. */
export interface CasRequestHandlerDeps {
  now: () => number;
  hostId: string;
  keys: ReadonlyMap<string, SimAccessKey>;
  guards: ReturnType<typeof createRequestGuards>;
  takeFault: (action: string) => Fault | undefined;
  hold: Hold;
  /** Action name → handler, every API family merged. */
  actions: SimActionTable;
  /** Every call is appended here. */
  calls: SimCall[];
  /** Each raw request is passed here as it arrives. */
  keepRaw: (raw: RawRequest) => void;
}

const casVersion = '2020-04-07';

/** A call as it is learnt while it is admitted. */
type SimCallDraft = {
  action: string;
  params: SimParams;
  accessKeyId?: string;
  sessionName?: string | undefined;
};

/** The request as it arrived (method, raw URL, headers, body bytes). */
export async function readRaw(req: IncomingMessage): Promise<RawRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers: req.headers as Record<string, string | undefined>,
    body: Buffer.concat(chunks),
  };
}

/** Answers with a JSON body in Alibaba's shape. */
export function send(
  res: ServerResponse,
  status: number,
  body: Record<string, unknown>,
  headers = {},
  action = '',
) {
  res.writeHead(status, {
    'content-type': 'application/json;charset=utf-8',
    'x-acs-request-id': String(body.RequestId),
    ...headers,
  });
  res.end(toCasJson(body, action));
}

/** Alibaba's error body. */
export function errorBody(
  requestId: string,
  hostId: string,
  err: SimError,
  product = 'cas',
): Record<string, unknown> {
  return {
    RequestId: requestId,
    HostId: hostId,
    Code: err.code,
    Message: err.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=${product}`,
  };
}

/**
 * The simulator's HTTP handler: checks the method, the V3 signature, the nonce and the version as CAS does, plays
 * the injected faults, runs the action from the table, records the call and answers in CAS's body shapes.
 */
export function createCasRequestHandler(deps: CasRequestHandlerDeps) {
  /** The checks before any action: refused requests are answered with CAS's error codes. */
  function admit(raw: RawRequest, call: SimCallDraft): void {
    if (raw.method !== 'POST' && raw.method !== 'GET') {
      throw new SimError(400, 'UnsupportedHTTPMethod', `HTTP method ${raw.method} is not supported.`);
    }
    call.params = Object.fromEntries(parseRawQuery(raw.url));
    const key = verifyV3(raw, deps.keys, deps.now());
    call.accessKeyId = key.accessKeyId;
    call.sessionName = key.sessionName;
    deps.guards.checkNonce(raw.headers['x-acs-signature-nonce'] ?? '');
    const version = raw.headers['x-acs-version'];
    if (version !== casVersion)
      throw new SimError(400, 'InvalidVersion', `Specified parameter Version ${version} is not valid.`);
    // A session's inline policy narrows it: RAM refuses what the policy does not allow.
    if (key.allowedActions && !key.allowedActions.has(call.action))
      throw new SimError(
        403,
        'Forbidden.RAM',
        `User not authorized to operate on the specified resource, or this API doesn't support RAM (${call.action}).`,
      );
  }

  function act(action: string, params: SimParams): ReturnType<SimActionTable[string]> {
    const run = Object.hasOwn(deps.actions, action) ? deps.actions[action] : undefined;
    if (!run)
      throw new SimError(
        404,
        'InvalidAction.NotFound',
        `Specified api ${action} is not found, please check your url and method.`,
      );
    return run(params);
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID().toUpperCase();
    const raw = await readRaw(req);
    deps.keepRaw(raw);
    const action = raw.headers['x-acs-action'] ?? '';
    const call: SimCallDraft = { action, params: {} };
    const record = (outcome: string | undefined) =>
      deps.calls.push({
        ...call,
        accessKeyId: call.accessKeyId,
        ...(call.sessionName !== undefined ? { sessionName: call.sessionName } : {}),
        at: deps.now(),
        outcome,
      });
    try {
      admit(raw, call);
      const fault = deps.takeFault(action);
      if ((await playFaultBeforeActing(fault, action, deps.hold)) === 'dropped') {
        record('dropped');
        req.socket.destroy();
        return;
      }
      deps.guards.checkQps(action, call.accessKeyId ?? '');
      const body = { ...(await act(action, call.params)), RequestId: requestId };
      const ended = await playFaultAfterActing(fault, { action, hold: deps.hold, req, res }, body);
      record(ended);
      if (!ended) send(res, 200, body, {}, action);
    } catch (err) {
      const simError =
        err instanceof SimError
          ? err
          : new SimError(500, 'InternalError', 'The simulator failed unexpectedly.');
      record(simError.code);
      const retryAfterMs = (err as { retryAfterMs?: number }).retryAfterMs;
      const headers = retryAfterMs !== undefined ? { 'x-acs-retry-after': String(retryAfterMs) } : {};
      send(res, simError.httpStatus, errorBody(requestId, deps.hostId, simError), headers);
    }
  };
}
