import { booleanFlag, type EnvOf, listenHost, numberIn, optionalString, url } from './fields.ts';

/** Where the process listens. */
export const listenEnvShape = {
  PORT: numberIn(3000, 0, 65535, true),
  METRICS_PORT: numberIn(9464, 0, 65535, true),
  // Loopback unless told otherwise: /metrics and /readyz say more than the public needs (the image sets 0.0.0.0).
  METRICS_HOST: listenHost('127.0.0.1'),
};

/** The Redis the bot keeps its state and queues in. */
export const redisEnvShape = {
  REDIS_URL: url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  CERT_REDIS_PREFIX: optionalString
    .transform((v) => v ?? 'certbot')
    .refine((v) => /^[A-Za-z0-9_.{}-]{1,64}$/.test(v), {
      message: 'must be 1-64 characters of letters, digits, _ . - { } (no spaces or colons)',
    }),
  CERT_REQUIRE_DURABLE_REDIS: booleanFlag(true),
};

/** How much the bot logs. */
export const logEnvShape = {
  LOG_LEVEL: optionalString
    .transform((v) => v ?? 'info')
    .refine((v) => ['debug', 'info', 'warn', 'error'].includes(v), {
      message: 'must be debug, info, warn or error',
    }),
};

/** The top-level listening and logging settings of the configuration. */
export function serverSettings(env: EnvOf<typeof listenEnvShape> & EnvOf<typeof logEnvShape>) {
  return {
    /** Log level. @defaultValue info */
    logLevel: env.LOG_LEVEL,
    /** HTTP port for `/slack/events` and `/healthz`. @defaultValue 3000 */
    port: env.PORT,
    /** Separate listener for `/metrics`, `/readyz` and `/healthz` (kept off the public Slack port). @defaultValue 9464 */
    metricsPort: env.METRICS_PORT,
    /** Address the `METRICS_PORT` listener binds. @defaultValue 127.0.0.1 (the Docker image: 0.0.0.0) */
    metricsHost: env.METRICS_HOST,
  };
}

/** The `redis` section of the configuration. */
export function redisSection(env: EnvOf<typeof redisEnvShape>) {
  return {
    /** @defaultValue redis://127.0.0.1:6379 */
    url: env.REDIS_URL as string,
    /** Prefix of every key the bot writes, queues included. @defaultValue certbot */
    prefix: env.CERT_REDIS_PREFIX,
    /**
     * Refuse to start a worker unless Redis can make the claim before the paid call durable (AOF on).
     * @defaultValue true
     */
    requireDurable: env.CERT_REQUIRE_DURABLE_REDIS,
  };
}
