import { z } from 'zod';
import { cloudProducts, deployProductsOf } from '../cas/cloud-products.ts';
import { AppError } from '../errors.ts';
import { parseAlertRoutes } from './alert-routes.ts';
import {
  alertThresholds,
  booleanFlag,
  cron,
  listenHost,
  numberIn,
  numericIdList,
  oneOf,
  optionalSlackIdList,
  optionalString,
  prefixed,
  slackIdList,
  subsetOf,
  timezone,
  tlsResolveMap,
  url,
} from './fields.ts';

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

/** The variables the CAS client needs (also all that the operator CLI needs). */
const casEnvShape = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: optionalString,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: optionalString,
  ALIBABA_CLOUD_SECURITY_TOKEN: optionalString,
  CAS_ENDPOINT: url('https://cas.aliyuncs.com', ['http:', 'https:']),
  CAS_TIMEOUT_SECONDS: numberIn(15, 1, 300, false),
  HTTPS_PROXY: optionalString,
  HTTP_PROXY: optionalString,
  NO_PROXY: optionalString,
};

type CasEnv = z.output<z.ZodObject<typeof casEnvShape>>;

function casSection(env: CasEnv) {
  return {
    /** @defaultValue https://cas.aliyuncs.com */
    endpoint: env.CAS_ENDPOINT as string,
    /** Whole-request timeout, seconds. @defaultValue 15 */
    timeoutSeconds: env.CAS_TIMEOUT_SECONDS,
    /** Credentials from the environment, when set; else the credentials files are read. */
    credentials:
      env.ALIBABA_CLOUD_ACCESS_KEY_ID !== undefined && env.ALIBABA_CLOUD_ACCESS_KEY_SECRET !== undefined
        ? {
            accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID,
            accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
            securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN,
          }
        : undefined,
    proxy: { httpsProxy: env.HTTPS_PROXY, httpProxy: env.HTTP_PROXY, noProxy: env.NO_PROXY },
  };
}

/** The environment, variable by variable, as DESIGN.md's contract lists it. */
const Env = z.object({
  ...casEnvShape,
  SLACK_BOT_TOKEN: z
    .string({ error: 'is required: the bot token (xoxb-…) from the Slack app' })
    .refine((v) => v.startsWith('xoxb-'), { message: 'must be a bot token starting with xoxb-' }),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: prefixed('xapp-', 'an app-level token'),
  SLACK_API_URL: url(undefined, ['http:', 'https:']),
  PORT: numberIn(3000, 0, 65535, true),
  METRICS_PORT: numberIn(9464, 0, 65535, true),
  // Loopback unless told otherwise: /metrics and /readyz say more than the public needs (the image sets 0.0.0.0).
  METRICS_HOST: listenHost('127.0.0.1'),
  REDIS_URL: url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  CERT_REDIS_PREFIX: optionalString
    .transform((v) => v ?? 'certbot')
    .refine((v) => /^[A-Za-z0-9_.{}-]{1,64}$/.test(v), {
      message: 'must be 1-64 characters of letters, digits, _ . - { } (no spaces or colons)',
    }),
  CERT_REQUIRE_DURABLE_REDIS: booleanFlag(true),
  CERT_APPROVERS: slackIdList,
  CERT_READERS: optionalSlackIdList,
  CERT_ALLOW_SELF_APPROVAL: booleanFlag(false),
  CERT_APPROVER_MAX_STALE_MINUTES: numberIn(15, 0, 1440, false),
  CERT_REQUEST_TTL_HOURS: numberIn(24, 0.01, 24 * 30, false),
  CERT_POLL_MIN_SECONDS: numberIn(30, 0, 86_400, false),
  CERT_POLL_MAX_SECONDS: numberIn(900, 0, 86_400, false),
  CERT_POLL_DEADLINE_HOURS: numberIn(168, 0.001, 24 * 90, false),
  CERT_WORKER_CONCURRENCY: numberIn(4, 1, 100, true),
  CERT_JOB_LOCK_SECONDS: numberIn(60, 1, 3600, false),
  CERT_STALLED_INTERVAL_SECONDS: numberIn(30, 0.1, 3600, false),
  // Not 0: CAS's order list may lag behind a renewal, and every reconcile check would then run at once.
  CERT_RECONCILE_SETTLE_SECONDS: numberIn(30, 0.1, 3600, false),
  CERT_CAS_QPS: numberIn(5, 0.1, 100, false),
  CERT_SWEEP_INTERVAL_SECONDS: numberIn(300, 0.1, 86_400, false),
  CERT_MAX_JOB_FAILURES: numberIn(10, 1, 1000, true),
  CERT_APPLY: oneOf('auto', ['auto', 'manual']),
  CERT_CAS_CONTACT_IDS: numericIdList,
  CERT_CAS_COMPANY_ID: optionalString.refine((v) => v === undefined || /^[0-9]{1,19}$/.test(v), {
    message: 'must be a numeric CAS company ID',
  }),
  CERT_VALIDATION_METHOD: oneOf('DNS', ['DNS', 'HTTP']),
  CERT_KEY_ALGORITHM: oneOf('RSA_2048', ['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_256']),
  CERT_DEPLOY: oneOf('ask', ['ask', 'off']),
  CERT_DEPLOY_PRODUCTS: subsetOf(cloudProducts),
  CERT_TLS_CHECK: oneOf('on', ['on', 'off']),
  CERT_TLS_RESOLVE: tlsResolveMap,
  CERT_ALERT_CHANNEL: optionalString.refine((v) => v === undefined || /^[CGD][A-Z0-9]{2,20}$/.test(v), {
    message: 'must be a Slack channel ID such as C0123ABCD (not a #name)',
  }),
  ...alertThresholds.fields,
  CERT_ALERT_ROUTES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const parsed = parseAlertRoutes(v ?? '');
      if ('problem' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }
      return parsed.routes;
    }),
  CERT_ALERT_CRON: cron,
  CERT_TIMEZONE: timezone,
  LOG_LEVEL: optionalString
    .transform((v) => v ?? 'info')
    .refine((v) => ['debug', 'info', 'warn', 'error'].includes(v), {
      message: 'must be debug, info, warn or error',
    }),
});

/** Every environment variable the configuration reads (documented in the README and `.env.example`). */
export const configVariables: readonly string[] = Object.keys(Env.shape);

/** Rules that tie variables together; checked on the raw environment so that they are reported with the rest. */
function crossVariableIssues(env: Environment): Array<{ name: string; message: string }> {
  const set = (name: string) => (env[name]?.trim() ?? '') !== '';
  const issues: Array<{ name: string; message: string }> = [];
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
  slack: {
    /** Bot token (`xoxb-…`). */
    botToken: env.SLACK_BOT_TOKEN,
    /** Request signing secret; undefined in Socket Mode. */
    signingSecret: env.SLACK_SIGNING_SECRET,
    /** App-level token (`xapp-…`); set means Socket Mode. */
    appToken: env.SLACK_APP_TOKEN,
    /** Web API base URL; undefined means Slack's own. */
    apiUrl: env.SLACK_API_URL,
  },
  /** Log level. @defaultValue info */
  logLevel: env.LOG_LEVEL,
  /** HTTP port for `/slack/events` and `/healthz`. @defaultValue 3000 */
  port: env.PORT,
  /** Separate listener for `/metrics`, `/readyz` and `/healthz` (kept off the public Slack port). @defaultValue 9464 */
  metricsPort: env.METRICS_PORT,
  /** Address the `METRICS_PORT` listener binds. @defaultValue 127.0.0.1 (the Docker image: 0.0.0.0) */
  metricsHost: env.METRICS_HOST,
  redis: {
    /** @defaultValue redis://127.0.0.1:6379 */
    url: env.REDIS_URL as string,
    /** Prefix of every key the bot writes, queues included. @defaultValue certbot */
    prefix: env.CERT_REDIS_PREFIX,
    /**
     * Refuse to start a worker unless Redis can make the claim before the paid call durable (AOF on).
     * @defaultValue true
     */
    requireDurable: env.CERT_REQUIRE_DURABLE_REDIS,
  },
  cas: casSection(env),
  approval: {
    /** Slack user IDs and user-group IDs allowed to approve. */
    approvers: env.CERT_APPROVERS,
    /**
     * Users and user groups allowed `/cert list` and `/cert status` (approvers always are); empty: everyone in the
     * workspace, guests included. @defaultValue everyone
     */
    readers: env.CERT_READERS,
    /** @defaultValue false */
    allowSelfApproval: env.CERT_ALLOW_SELF_APPROVAL,
    /**
     * While Slack cannot list an approver group, how long past its 5-minute cache its last known members may still
     * approve, minutes; then nobody from the group may until Slack answers. @defaultValue 15
     */
    approverMaxStaleMinutes: env.CERT_APPROVER_MAX_STALE_MINUTES,
    /** How long a request waits for a decision before it expires, hours. @defaultValue 24 */
    requestTtlHours: env.CERT_REQUEST_TTL_HOURS,
  },
  poll: {
    /** First delay between status polls, seconds. @defaultValue 30 */
    minSeconds: env.CERT_POLL_MIN_SECONDS,
    /** Largest delay between status polls, seconds. @defaultValue 900 */
    maxSeconds: env.CERT_POLL_MAX_SECONDS,
    /** A renewal without a final state this long after submission is reported stalled, hours. @defaultValue 168 */
    deadlineHours: env.CERT_POLL_DEADLINE_HOURS,
  },
  worker: {
    /** Renewal jobs one worker process runs at once. @defaultValue 4 */
    concurrency: env.CERT_WORKER_CONCURRENCY,
    /** BullMQ job lock, seconds; keep it well above CAS_TIMEOUT_SECONDS. @defaultValue 60 */
    lockSeconds: env.CERT_JOB_LOCK_SECONDS,
    /** How often stalled jobs (a worker died) are looked for, seconds. @defaultValue 30 */
    stalledIntervalSeconds: env.CERT_STALLED_INTERVAL_SECONDS,
    /** Extra wait before asking CAS whether an unconfirmed renewal happened, seconds. @defaultValue 30 */
    reconcileSettleSeconds: env.CERT_RECONCILE_SETTLE_SECONDS,
    /** Renewal-queue jobs per second across all workers (each makes about one CAS call). @defaultValue 5 */
    casQps: env.CERT_CAS_QPS,
    /** How often requests whose renewal job was lost are looked for, seconds. @defaultValue 300 */
    sweepIntervalSeconds: env.CERT_SWEEP_INTERVAL_SECONDS,
    /**
     * Worker runs of one request in a row that may end in an unexpected error before it goes to needs
     * attention with the last error. @defaultValue 10
     */
    maxFailures: env.CERT_MAX_JOB_FAILURES,
  },
  application: {
    /** `auto`: the bot submits the new order's application; `manual`: console instructions. @defaultValue auto */
    mode: env.CERT_APPLY,
    /** CAS contacts put on each application; empty: the first of ListContact. */
    contactIds: env.CERT_CAS_CONTACT_IDS,
    /** CAS company for OV/EV applications. */
    companyId: env.CERT_CAS_COMPANY_ID,
    /** @defaultValue DNS */
    validationMethod: env.CERT_VALIDATION_METHOD,
    /** Key CAS generates when the request has no CSR. @defaultValue RSA_2048 */
    keyAlgorithm: env.CERT_KEY_ALGORITHM,
  },
  deploy: {
    /** `ask`: a deployment card after issuance; `off`: no deployment step. @defaultValue ask */
    mode: env.CERT_DEPLOY,
    /** Cloud products searched for the old certificate. @defaultValue every product the site (CAS_ENDPOINT) supports */
    products: env.CERT_DEPLOY_PRODUCTS ?? deployProductsOf(env.CAS_ENDPOINT as string),
    /** Check over TLS that deployed endpoints serve the new certificate. @defaultValue true */
    tlsCheck: env.CERT_TLS_CHECK === 'on',
    /** Where the TLS check dials a domain instead of DNS. */
    tlsResolve: env.CERT_TLS_RESOLVE,
  },
  alerts: {
    /** Channel ID for expiry alerts; undefined means no alerts. */
    channel: env.CERT_ALERT_CHANNEL,
    /** `days` before expiry ([30, 14, 7, 3, 1]) and `lifetimePercent` left ([33, 15, 5]), largest first. */
    ...alertThresholds(env),
    /** Domain patterns routed to other channels than `channel`, first match wins. @defaultValue [] */
    routes: env.CERT_ALERT_ROUTES,
    /** @defaultValue 0 9 * * * */
    cron: env.CERT_ALERT_CRON,
    /** @defaultValue UTC */
    timezone: env.CERT_TIMEZONE,
  },
}));

/** The parsed configuration. */
export type Config = z.infer<typeof Config>;

/** An environment, as `process.env` is; only entry points pass `process.env` itself. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Parses and validates the environment. Throws one `CONFIG_INVALID` error whose message has a line
 * per bad variable, naming it and what it expects; secret values are never echoed.
 */
export function loadConfig(env: Environment): Config {
  const result = Config.safeParse(env);
  if (result.success) return result.data;
  return throwConfigError(env, result.error.issues);
}

/** The CAS part alone (endpoint, credentials, timeout, proxy), for the operator CLI. */
export const CasConfig = z.object(casEnvShape).transform(casSection);
export type CasConfig = z.infer<typeof CasConfig>;

/** Parses only the variables the CAS client needs; errors as {@link loadConfig}'s. */
export function loadCasConfig(env: Environment): CasConfig {
  const pairIssues = crossVariableIssues(env).filter((i) => i.name.startsWith('ALIBABA_'));
  const result = CasConfig.safeParse(env);
  if (result.success && pairIssues.length === 0) return result.data;
  return throwConfigError(env, result.success ? [] : result.error.issues, pairIssues);
}

function throwConfigError(
  env: Environment,
  zodIssues: readonly z.core.$ZodIssue[],
  extra: Array<{ name: string; message: string }> = crossVariableIssues(env),
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
