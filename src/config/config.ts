import { z } from 'zod';
import { alertEnvShape, alertSection } from './alert-settings.ts';
import {
  applicationEnvShape,
  applicationSection,
  approvalEnvShape,
  approvalSection,
} from './approval-settings.ts';
import { casEnvShape, casSection } from './cas-settings.ts';
import { crossVariableIssues, type Environment, throwConfigError } from './config-errors.ts';
import { deployEnvShape, deploySection } from './deploy-settings.ts';
import {
  listenEnvShape,
  logEnvShape,
  redisEnvShape,
  redisSection,
  serverSettings,
} from './server-settings.ts';
import { slackEnvShape, slackSection } from './slack-settings.ts';
import { pollEnvShape, pollSection, workerEnvShape, workerSection } from './worker-settings.ts';

export { CasConfig, loadCasConfig } from './cas-settings.ts';
export type { Environment } from './config-errors.ts';

/** The environment, variable by variable, as DESIGN.md's contract lists it (each group's file says what it is). */
const Env = z.object({
  ...casEnvShape,
  ...slackEnvShape,
  ...listenEnvShape,
  ...redisEnvShape,
  ...approvalEnvShape,
  ...pollEnvShape,
  ...workerEnvShape,
  ...applicationEnvShape,
  ...deployEnvShape,
  ...alertEnvShape,
  ...logEnvShape,
});

/** Every environment variable the configuration reads (documented in the README and `.env.example`). */
export const configVariables: readonly string[] = Object.keys(Env.shape);

/** The bot's whole configuration, parsed and validated once at start-up. */
export const Config = Env.superRefine((env, ctx) => {
  for (const issue of crossVariableIssues(env as unknown as Environment)) {
    ctx.addIssue({ code: 'custom', path: [issue.name], message: issue.message });
  }
  if (env.CERT_POLL_MAX_SECONDS < env.CERT_POLL_MIN_SECONDS) {
    ctx.addIssue({
      code: 'custom',
      path: ['CERT_POLL_MAX_SECONDS'],
      message: 'must be at least CERT_POLL_MIN_SECONDS',
    });
  }
}).transform((env) => ({
  slack: slackSection(env),
  ...serverSettings(env),
  redis: redisSection(env),
  cas: casSection(env),
  approval: approvalSection(env),
  poll: pollSection(env),
  worker: workerSection(env),
  application: applicationSection(env),
  deploy: deploySection(env, env.CAS_ENDPOINT as string),
  alerts: alertSection(env),
}));

/** The parsed configuration. */
export type Config = z.infer<typeof Config>;

/**
 * Parses and validates the environment. Throws one `CONFIG_INVALID` error whose message has a line
 * per bad variable, naming it and what it expects; secret values are never echoed.
 */
export function loadConfig(env: Environment): Config {
  const result = Config.safeParse(env);
  if (result.success) return result.data;
  return throwConfigError(env, result.error.issues);
}
