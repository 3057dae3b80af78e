import type { z } from 'zod';
import { AppError } from '../errors.ts';

/** An environment, as `process.env` is; only entry points pass `process.env` itself. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A variable and what is wrong with it. */
export interface VariableIssue {
  name: string;
  message: string;
}

/** Variables whose values are secret: never echoed in an error message. */
const secretVariables = new Set([
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  'REDIS_URL',
  'HTTPS_PROXY',
  'HTTP_PROXY',
]);

/** Rules that tie variables together; checked on the raw environment so that they are reported with the rest. */
export function crossVariableIssues(env: Environment): VariableIssue[] {
  const set = (name: string) => (env[name]?.trim() ?? '') !== '';
  const issues: VariableIssue[] = [];
  if (!set('SLACK_APP_TOKEN') && !set('SLACK_SIGNING_SECRET')) {
    issues.push({
      name: 'SLACK_SIGNING_SECRET',
      message: 'is required in HTTP mode (set SLACK_APP_TOKEN to use Socket Mode instead)',
    });
  }
  if (set('ALIBABA_CLOUD_ACCESS_KEY_ID') !== set('ALIBABA_CLOUD_ACCESS_KEY_SECRET')) {
    issues.push({
      name: set('ALIBABA_CLOUD_ACCESS_KEY_ID')
        ? 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'
        : 'ALIBABA_CLOUD_ACCESS_KEY_ID',
      message:
        'is required when its partner variable is set (set both, or neither to use the credentials files)',
    });
  }
  return issues;
}

/**
 * Throws one `CONFIG_INVALID` error whose message has a line per bad variable, naming it and what it expects;
 * secret values are never echoed.
 */
export function throwConfigError(
  env: Environment,
  zodIssues: readonly z.core.$ZodIssue[],
  extra: VariableIssue[] = crossVariableIssues(env),
): never {
  // Object-level rules do not run once a field fails, so the cross-variable ones are added here by hand.
  const reported = new Set(zodIssues.map((i) => String(i.path[0])));
  const issues = [
    ...zodIssues,
    ...extra
      .filter((i) => !reported.has(i.name))
      .map((i) => ({ code: 'custom' as const, path: [i.name], message: i.message })),
  ];
  const lines = issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    const raw = env[name];
    const message =
      issue.code === 'invalid_type' && raw === undefined && !issue.message.startsWith('is required')
        ? 'is required'
        : issue.message;
    const shown =
      raw === undefined || raw === '' || secretVariables.has(name) ? '' : ` (got "${raw.slice(0, 80)}")`;
    return `${name} ${message}${shown}`;
  });
  throw new AppError('CONFIG_INVALID', `Invalid configuration:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
}
