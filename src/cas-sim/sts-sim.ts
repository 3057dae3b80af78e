import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { errorBody, readRaw, send } from './http-handler.ts';
import { SimError } from './sim-error.ts';
import { parseRawQuery, type RawRequest, type SimAccessKey, verifyV3 } from './verify-v3.ts';

/** A RAM role the simulated STS lets some accounts assume. */
export const SimRole = z.object({
  /** `acs:ram::<account uid>:role/<name>`. */
  arn: z.string().regex(/^acs:ram::[0-9]+:role\/.+$/),
  /** The account UIDs whose RAM users the role's trust policy names (`Principal.RAM`). */
  trust: z.array(z.string()),
  /** The trust policy's `sts:ExternalId` condition, if it has one. */
  externalId: z.string().optional(),
  /** The role's `MaxSessionDuration`, seconds. @defaultValue 3600 */
  maxSessionSeconds: z.number().int().min(3600).max(43200).default(3600),
});
export type SimRole = z.input<typeof SimRole>;

/** One AssumeRole as STS answered it (nothing secret). */
export interface SimAssumption {
  roleArn: string;
  sessionName: string;
  externalId: string | undefined;
  durationSeconds: number;
  /** The caller's account UID. */
  callerUid: string | undefined;
  at: number;
  /** The error code, or undefined when credentials were issued. */
  outcome: string | undefined;
}

/** What the simulated STS needs: whose keys may call it, the roles, and where an issued session is accepted. */
export interface StsSimDeps {
  now: () => number;
  /** A permanent AccessKey of a RAM user, with its account's UID; undefined when unknown. */
  principal(accessKeyId: string): { key: SimAccessKey; uid: string } | undefined;
  roles: readonly z.output<typeof SimRole>[];
  /** Makes the CAS of the account with this UID accept the key (false: no such account). */
  issue(uid: string, key: SimAccessKey): boolean;
  /** Every AssumeRole is appended here. */
  log: SimAssumption[];
}

const stsVersion = '2015-04-01';
const sessionNamePattern = /^[A-Za-z0-9.@_-]{2,64}$/;
const noPermission = () =>
  new SimError(
    403,
    'NoPermission',
    'You are not authorized to do this action. You should be authorized by RAM.',
  );

/** The CAS actions an inline policy allows (`yundun-cert:<Action>`, `yundun-cert:*`, `*`); undefined: all. */
function allowedActions(policy: string | undefined): ReadonlySet<string> | undefined {
  if (policy === undefined) return undefined;
  const grammar = () =>
    new SimError(400, 'InvalidParameter.PolicyGrammar', 'The parameter Policy has not passed grammar check.');
  let parsed: { Statement?: Array<{ Effect?: string; Action?: string | string[] }> };
  try {
    parsed = JSON.parse(policy) as typeof parsed;
  } catch {
    throw grammar();
  }
  if (policy.length > 2048 || !Array.isArray(parsed.Statement)) throw grammar();
  const actions = new Set<string>();
  for (const st of parsed.Statement.filter((s) => s.Effect === 'Allow')) {
    for (const a of [st.Action ?? []].flat()) {
      if (a === '*' || a === 'yundun-cert:*') return undefined;
      if (a.startsWith('yundun-cert:')) actions.add(a.slice('yundun-cert:'.length));
    }
  }
  return actions;
}

/** The parameters, checked as STS checks them (codes from Alibaba's STS error documentation). */
function checkedParams(params: Record<string, string>, role: z.output<typeof SimRole> | undefined) {
  const roleArn = params.RoleArn;
  if (!roleArn)
    throw new SimError(
      400,
      'MissingParameter',
      'The input parameter "RoleArn" that is mandatory is not supplied.',
    );
  const sessionName = params.RoleSessionName ?? '';
  if (!sessionNamePattern.test(sessionName))
    throw new SimError(
      400,
      'InvalidParameter.RoleSessionName',
      'The parameter RoleSessionName is wrongly formed.',
    );
  const durationSeconds = params.DurationSeconds === undefined ? 3600 : Number(params.DurationSeconds);
  const max = role?.maxSessionSeconds ?? 3600;
  if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > max)
    throw new SimError(
      400,
      'InvalidParameter.DurationSeconds',
      `The Min/Max value of DurationSeconds is 15min/${max / 3600}hr.`,
    );
  return { roleArn, sessionName, durationSeconds, allowed: allowedActions(params.Policy) };
}

/**
 * The simulated STS `AssumeRole` (2015-04-01): the V3 signature of a RAM user's permanent key, the parameters, the
 * role (it exists; its trust policy names the caller's account; its `sts:ExternalId` condition matches) and the
 * duration are checked; the credentials it issues are accepted by that role's account only, until they expire.
 */
export function createStsHandler(deps: StsSimDeps) {
  const keys: ReadonlyMap<string, SimAccessKey> = {
    get: (id: string) => deps.principal(id)?.key,
  } as unknown as ReadonlyMap<string, SimAccessKey>;

  function assume(raw: RawRequest, entry: SimAssumption): Record<string, unknown> {
    const key = verifyV3(raw, keys, deps.now());
    entry.callerUid = deps.principal(key.accessKeyId)?.uid;
    if (key.securityToken !== undefined) throw noPermission();
    if (raw.headers['x-acs-version'] !== stsVersion)
      throw new SimError(400, 'InvalidVersion', 'Specified parameter Version is not valid.');
    if (raw.headers['x-acs-action'] !== 'AssumeRole')
      throw new SimError(404, 'InvalidAction.NotFound', 'Specified api is not found.');
    const params = Object.fromEntries(parseRawQuery(raw.url));
    const role = deps.roles.find((r) => r.arn === params.RoleArn);
    const p = checkedParams(params, role);
    Object.assign(entry, {
      roleArn: p.roleArn,
      sessionName: p.sessionName,
      durationSeconds: p.durationSeconds,
    });
    entry.externalId = params.ExternalId;
    if (!role) throw new SimError(404, 'EntityNotExist.Role', `The specified Role not exists: ${p.roleArn}.`);
    // Trust and the external ID are one policy to RAM: either failing is the same refusal.
    if (!role.trust.includes(entry.callerUid ?? '')) throw noPermission();
    if (role.externalId !== undefined && params.ExternalId !== role.externalId) throw noPermission();
    const uid = (role.arn.match(/^acs:ram::([0-9]+):/) as RegExpMatchArray)[1] as string;
    const expiresAt = deps.now() + p.durationSeconds * 1000;
    const issued: SimAccessKey = {
      accessKeyId: `STS.${randomBytes(12).toString('hex')}`,
      accessKeySecret: randomBytes(20).toString('base64url'),
      securityToken: randomBytes(32).toString('base64url'),
      expiresAt,
      sessionName: p.sessionName,
      allowedActions: p.allowed,
    };
    if (!deps.issue(uid, issued))
      throw new SimError(404, 'EntityNotExist.Role', `The specified Role not exists: ${p.roleArn}.`);
    return {
      AssumedRoleUser: {
        Arn: `${role.arn}/${p.sessionName}`,
        AssumedRoleId: `3${uid.slice(0, 15)}:${p.sessionName}`,
      },
      Credentials: {
        AccessKeyId: issued.accessKeyId,
        AccessKeySecret: issued.accessKeySecret,
        SecurityToken: issued.securityToken,
        // STS gives the expiry to the second, in UTC.
        Expiration: `${new Date(expiresAt).toISOString().slice(0, 19)}Z`,
      },
    };
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readRaw(req);
    const requestId = randomUUID().toUpperCase();
    const entry: SimAssumption = {
      roleArn: '',
      sessionName: '',
      externalId: undefined,
      durationSeconds: 0,
      callerUid: undefined,
      at: deps.now(),
      outcome: undefined,
    };
    try {
      const body = { ...assume(raw, entry), RequestId: requestId };
      deps.log.push(entry);
      send(res, 200, body);
    } catch (err) {
      const simError =
        err instanceof SimError
          ? err
          : new SimError(500, 'InternalError', 'The simulator failed unexpectedly.');
      deps.log.push({ ...entry, outcome: simError.code });
      send(res, simError.httpStatus, errorBody(requestId, 'sts.aliyuncs.com', simError, 'Sts'));
    }
  };
}
