import { pino } from 'pino';
import type { Logger } from './logger.ts';

/**
 * Paths whose values never reach a log line, wherever they sit in a logged object: tokens, secrets, the STS
 * token, CSRs and private keys. Values are also scrubbed by pattern in {@link scrubText} for free text.
 */
export const redactedPaths = [
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.accessKeySecret',
  '*.securityToken',
  '*.authorization',
  '*.csr',
  '*.csrPem',
  '*.privateKey',
  '*.PrivateKey',
  'headers.authorization',
  'headers["x-acs-security-token"]',
  'headers["x-slack-signature"]',
];

const pemPattern = /-----BEGIN [A-Z ]+-----[\s\S]*?(-----END [A-Z ]+-----|$)/g;
const tokenPattern = /\b(xox[abprs]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)/g;

/** Removes PEM blocks and Slack tokens from free text before it is logged. */
export function scrubText(text: string): string {
  return text.replace(pemPattern, '[PEM redacted]').replace(tokenPattern, '[token redacted]');
}

/** A JSON logger (pino) with redaction; writes to `destination` (stdout by default). */
export function createLogger(
  options: {
    level?: string;
    destination?: { write(line: string): unknown };
    base?: Record<string, unknown>;
  } = {},
): Logger & pino.Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? { service: 'certbot' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          // The message string (last argument) is scrubbed too: a PEM or token there would slip past path redaction.
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as typeof args;
          return method.apply(this, scrubbed);
        },
      },
    },
    (options.destination ?? process.stdout) as pino.DestinationStream,
  );
}
