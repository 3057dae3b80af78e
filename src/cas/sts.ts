import { z } from 'zod';
import { createCasCaller, type Query } from './call.ts';
import type { CasClientOptions } from './client-options.ts';
import type { Credentials } from './signing/sign-v3.ts';

/** STS API version (sts-20150401). */
export const stsApiVersion = '2015-04-01';

/** STS's public endpoint (one for every region). */
export const defaultStsEndpoint = 'https://sts.aliyuncs.com';

/** What one `AssumeRole` asks for (sts-20150401 `AssumeRoleRequest`). */
export interface AssumeRoleInput {
  /** `acs:ram::<account id>:role/<name>`. */
  roleArn: string;
  /** 2 to 64 characters of letters, digits and `. @ - _`; ActionTrail shows it. */
  roleSessionName: string;
  /** 900 to the role's `MaxSessionDuration` (the bot keeps to 3,600), seconds. */
  durationSeconds: number;
  /** Passed when the role's trust policy requires `sts:ExternalId`. */
  externalId?: string | undefined;
  /** Inline session policy (JSON, at most 2,048 characters): the session gets the intersection with the role's. */
  policy?: string | undefined;
}

/** Temporary credentials and when they expire (epoch ms). */
export interface SessionCredentials extends Credentials {
  securityToken: string;
  expiresAt: number;
}

// sts-20150401 AssumeRoleResponseBody: Credentials {AccessKeyId, AccessKeySecret, SecurityToken, Expiration (UTC
// ISO 8601, e.g. 2015-04-09T11:52:19Z)}, AssumedRoleUser {Arn, AssumedRoleId}, RequestId.
const AssumeRoleResponse = z.object({
  RequestId: z.string().optional(),
  Credentials: z.object({
    AccessKeyId: z.string().min(1),
    AccessKeySecret: z.string().min(1),
    SecurityToken: z.string().min(1),
    Expiration: z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be a UTC date-time'),
  }),
  AssumedRoleUser: z.object({ Arn: z.string().optional(), AssumedRoleId: z.string().optional() }).optional(),
});

/** The STS operations the bot uses. */
export interface StsClient {
  /** Assumes a role: temporary credentials for its account. STS's refusals are `CasApiError`s (action `AssumeRole`). */
  assumeRole(input: AssumeRoleInput): Promise<SessionCredentials>;
}

/**
 * A signed STS client on the CAS client's request machinery (ACS3-HMAC-SHA256, which STS accepts like every RPC
 * API): `credentials` are the base credentials (the bot's own RAM user or role), never a session of their own.
 */
export function createStsClient(options: Omit<CasClientOptions, 'version' | 'pace'>): StsClient {
  const caller = createCasCaller({ ...options, version: stsApiVersion });
  return {
    async assumeRole(input) {
      const query: Query = [
        ['RoleArn', input.roleArn],
        ['RoleSessionName', input.roleSessionName],
        ['DurationSeconds', String(input.durationSeconds)],
      ];
      if (input.externalId !== undefined) query.push(['ExternalId', input.externalId]);
      if (input.policy !== undefined) query.push(['Policy', input.policy]);
      // Another session is harmless: a throttled or unanswered AssumeRole may be sent again.
      const body = await caller.read('AssumeRole', query, AssumeRoleResponse, {});
      const c = body.Credentials;
      return {
        accessKeyId: c.AccessKeyId,
        accessKeySecret: c.AccessKeySecret,
        securityToken: c.SecurityToken,
        expiresAt: Date.parse(c.Expiration),
      };
    },
  };
}
