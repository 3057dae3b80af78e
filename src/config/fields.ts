import { isIP } from 'node:net';
import { z } from 'zod';

// Parsers of single environment variables: each turns the raw string (or its absence) into a value, or adds an
// issue saying what the variable expects. config.ts composes them into the one schema.

/** What a variable's parser returns instead of a value when the value is bad: the message to report. */
class Problem {
  constructor(readonly message: string) {}
}

/** The message to report for a bad value (a parser returns it instead of the value). */
const problem = (message: string) => new Problem(message);

/** The transform that runs `parse` and turns a returned {@link problem} into the variable's issue. */
const reporting =
  <I, T>(parse: (raw: I) => T | Problem) =>
  (v: I, ctx: z.RefinementCtx): T => {
    const parsed = parse(v);
    if (!(parsed instanceof Problem)) return parsed;
    ctx.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  };

/**
 * A variable that may be unset: `parse` gets its trimmed value, undefined when unset or blank, and returns the
 * value or a {@link problem}.
 */
const field = <T>(parse: (raw: string | undefined) => T | Problem) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => reporting(parse)(v === undefined || v.trim() === '' ? undefined : v.trim(), ctx));

/** The non-blank items of a comma-separated list, trimmed. */
export const listItems = (raw: string | undefined): string[] =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** A string that counts as unset when empty or blank. */
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** `true`/`false` (also 1/0, yes/no), else `fallback`. */
export const booleanFlag = (fallback: boolean) =>
  field((raw) => {
    const value = raw?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    return problem('must be true or false');
  });

/** A number within [min, max] (whole when `integer`), else `fallback`. */
export const numberIn = (fallback: number, min: number, max: number, integer: boolean) =>
  field((raw) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
      return problem(`must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    return n;
  });

/** A URL with one of `protocols` (trailing slashes dropped), else `fallback`. */
export const url = (fallback: string | undefined, protocols: readonly string[]) =>
  field((value) => {
    const raw = value ?? fallback;
    if (raw === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      return problem(`must be a URL (${protocols.join(' or ')})`);
    }
    if (!protocols.includes(parsed.protocol)) {
      return problem(`must be a URL starting with ${protocols.join(' or ')}//`);
    }
    return raw.replace(/\/+$/, '');
  });

const slackIdsExpected = 'must be comma-separated Slack user IDs (U…/W…) or user-group IDs (S…)';

/** Comma-separated Slack user (`U…`/`W…`) and user-group (`S…`) IDs, at least one. */
export const slackIdList = z
  .string({ error: 'is required: comma-separated Slack user IDs (U…/W…) or user-group IDs (S…)' })
  .transform(
    reporting((v: string) => {
      const ids = listItems(v);
      const bad = ids.filter((id) => !/^[UWS][A-Z0-9]{2,20}$/.test(id));
      if (ids.length === 0 || bad.length > 0) {
        return problem(`${slackIdsExpected}${bad.length > 0 ? `; not an ID: ${bad.join(', ')}` : ''}`);
      }
      return ids;
    }),
  );

/** Like {@link slackIdList}, but unset (or empty) means nobody is listed: an empty array. */
export const optionalSlackIdList = field((raw) => {
  if (raw === undefined) return [] as string[];
  const parsed = slackIdList.safeParse(raw);
  return parsed.success ? parsed.data : problem(slackIdsExpected);
});

/** Comma-separated whole days, largest first, duplicates dropped; default 30,14,7,3,1. */
export const alertDays = field((raw) => {
  const days = (raw ?? '30,14,7,3,1').split(',').map((s) => Number(s.trim()));
  if (days.some((d) => !Number.isInteger(d) || d < 0 || d > 3650)) {
    return problem('must be comma-separated whole numbers of days, e.g. 30,14,7,3,1');
  }
  return [...new Set(days)].sort((a, b) => b - a);
});

/** Comma-separated whole percents (1-99) of a certificate's lifetime left, largest first; default 33,15,5. */
export const lifetimePercent = field((raw) => {
  const percents = (raw ?? '33,15,5').split(',').map((s) => Number(s.trim()));
  if (percents.some((p) => !Number.isInteger(p) || p < 1 || p > 99)) {
    return problem('must be comma-separated whole percents from 1 to 99, e.g. 33,15,5');
  }
  return [...new Set(percents)].sort((a, b) => b - a);
});

/** A cron pattern of 5 fields (or 6 with seconds first); default `0 9 * * *`. */
export const cron = field((value) => {
  const raw = value ?? '0 9 * * *';
  const fields = raw.split(/\s+/);
  if (
    (fields.length !== 5 && fields.length !== 6) ||
    !fields.every((f) => /^[\d*/,\-A-Za-z?LW#]+$/.test(f))
  ) {
    return problem('must be a cron pattern of 5 fields (or 6 with seconds first)');
  }
  return raw;
});

/** An IANA time zone Intl knows; default UTC. */
export const timezone = field((value) => {
  const raw = value ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: raw });
  } catch {
    return problem('must be an IANA time zone such as UTC or Asia/Shanghai');
  }
  return raw;
});

/** An optional string that must start with `prefix` (a token kind). */
export const prefixed = (prefix: string, what: string) =>
  optionalString.refine((v) => v === undefined || v.startsWith(prefix), {
    message: `must be ${what} starting with ${prefix}`,
  });

/** One of `values` (case-insensitive, given in upper or lower case), else `fallback`. */
export const oneOf = <const T extends string>(fallback: T, values: readonly T[]) =>
  field((raw) => {
    if (raw === undefined) return fallback;
    const match = values.find((x) => x.toLowerCase() === raw.toLowerCase());
    return match ?? problem(`must be one of ${values.join(', ')}`);
  });

/** Comma-separated numeric IDs (CAS contacts), else empty. */
export const numericIdList = field((raw) => {
  const ids = listItems(raw);
  const bad = ids.find((x) => !/^[0-9]{1,19}$/.test(x));
  if (bad === undefined) return ids;
  return problem(
    `must be comma-separated numeric CAS contact IDs (see npm run cas -- contacts); "${bad.slice(0, 40)}" is not one`,
  );
});

/** `domain=host:port,…` (like curl's --resolve): where the TLS check dials a domain instead of DNS. */
export const tlsResolveMap = field((raw) => {
  const map = new Map<string, { host: string; port: number }>();
  for (const entry of listItems(raw)) {
    const match = /^([A-Za-z0-9*._-]+)=(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$/.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535) {
      return problem(
        `must be domain=host:port entries, comma-separated (e.g. shop.example.com=10.0.0.5:443); "${entry.slice(0, 60)}" is not one`,
      );
    }
    map.set((match[1] as string).toLowerCase(), { host: (match[2] as string).replace(/^\[|\]$/g, ''), port });
  }
  return map as ReadonlyMap<string, { host: string; port: number }>;
});

/** A comma-separated subset of `allowed` (case as given there), else undefined. */
export const subsetOf = (allowed: readonly string[]) =>
  field((raw) => {
    const items = listItems(raw);
    if (items.length === 0) return undefined;
    const out: string[] = [];
    for (const item of items) {
      const match = allowed.find((a) => a.toLowerCase() === item.toLowerCase());
      if (!match) {
        return problem(
          `must be a comma-separated list of ${allowed.join(', ')}; "${item.slice(0, 40)}" is not one`,
        );
      }
      out.push(match);
    }
    return out;
  });

/**
 * An address to listen on: an IPv4 or IPv6 address (`0.0.0.0`, `::`, `127.0.0.1`) or a host name, else `fallback`.
 */
export const listenHost = (fallback: string) =>
  field((raw) => {
    const host = raw ?? fallback;
    if (isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9-]{0,62}\.?)*$/.test(host)) {
      return problem(
        `must be an IP address to listen on, such as 127.0.0.1 or 0.0.0.0, or a host name (got "${host.slice(0, 60)}")`,
      );
    }
    return host;
  });

/** A string matching `pattern`, else `message`; unset when blank. */
export const matching = (pattern: RegExp, message: string) =>
  optionalString.refine((v) => v === undefined || pattern.test(v), { message });

/** The parsed variables of a shape (a group of variables that one settings section reads). */
export type EnvOf<S extends z.ZodRawShape> = z.output<z.ZodObject<S>>;
