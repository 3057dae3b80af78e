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
  // CAS answers that carry a private key: GetUserCertificateDetail (`Key`, with CertFilter=false), SM2 pairs.
  'Key',
  '*.Key',
  '*.EncryptPrivateKey',
  '*.SignPrivateKey',
  '*.pem',
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

/**
 * Scrubs every string of a logged object (a few levels deep): a PEM or token inside an error's message or a CAS
 * answer's field that no redaction path names still never reaches a log line.
 */
function scrubObject(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth >= 4 || value === null || typeof value !== 'object') return value;
  // An Error stays an Error of its class (pino's serializer names its type), its message and stack scrubbed.
  if (value instanceof Error) {
    const copy = Object.create(Object.getPrototypeOf(value)) as Error;
    for (const [k, v] of Object.entries(value))
      (copy as unknown as Record<string, unknown>)[k] = scrubObject(v, depth + 1);
    copy.message = scrubText(value.message);
    if (value.stack) copy.stack = scrubText(value.stack);
    if (value.cause !== undefined) copy.cause = scrubObject(value.cause, depth + 1);
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => scrubObject(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubObject(v, depth + 1);
  return out;
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
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrubObject(object) as Record<string, unknown>,
      },
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
