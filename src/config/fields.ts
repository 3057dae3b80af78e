import { isIP } from 'node:net';
import { z } from 'zod';

// Parsers of single environment variables: each turns the raw string (or its absence) into a value, or adds an
// issue saying what the variable expects. config.ts composes them into the one schema.

/** A string that counts as unset when empty or blank. */
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** `true`/`false` (also 1/0, yes/no), else `fallback`. */
export const booleanFlag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const raw = v?.trim().toLowerCase();
      if (raw === undefined || raw === '') return fallback;
      if (['true', '1', 'yes'].includes(raw)) return true;
      if (['false', '0', 'no'].includes(raw)) return false;
      ctx.addIssue({ code: 'custom', message: 'must be true or false' });
      return z.NEVER;
    });

/** A number within [min, max] (whole when `integer`), else `fallback`. */
export const numberIn = (fallback: number, min: number, max: number, integer: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v.trim());
      if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`,
        });
        return z.NEVER;
      }
      return n;
    });

/** A URL with one of `protocols` (trailing slashes dropped), else `fallback`. */
export const url = (fallback: string | undefined, protocols: readonly string[]) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const raw = v === undefined || v.trim() === '' ? fallback : v.trim();
      if (raw === undefined) return undefined;
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: `must be a URL (${protocols.join(' or ')})` });
        return z.NEVER;
      }
      if (!protocols.includes(parsed.protocol)) {
        ctx.addIssue({ code: 'custom', message: `must be a URL starting with ${protocols.join(' or ')}//` });
        return z.NEVER;
      }
      return raw.replace(/\/+$/, '');
    });

/** Comma-separated Slack user (`U…`/`W…`) and user-group (`S…`) IDs, at least one. */
export const slackIdList = z
  .string({ error: 'is required: comma-separated Slack user IDs (U…/W…) or user-group IDs (S…)' })
  .transform((v, ctx) => {
    const ids = v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const bad = ids.filter((id) => !/^[UWS][A-Z0-9]{2,20}$/.test(id));
    if (ids.length === 0 || bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must be comma-separated Slack user IDs (U…/W…) or user-group IDs (S…)${bad.length > 0 ? `; not an ID: ${bad.join(', ')}` : ''}`,
      });
      return z.NEVER;
    }
    return ids;
  });

/** Like {@link slackIdList}, but unset (or empty) means nobody is listed: an empty array. */
export const optionalSlackIdList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === '') return [] as string[];
    const parsed = slackIdList.safeParse(v);
    if (!parsed.success) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be comma-separated Slack user IDs (U…/W…) or user-group IDs (S…)',
      });
      return z.NEVER;
    }
    return parsed.data;
  });

/** Comma-separated whole days, largest first, duplicates dropped; default 30,14,7,3,1. */
export const alertDays = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const raw = v === undefined || v.trim() === '' ? '30,14,7,3,1' : v;
    const days = raw.split(',').map((s) => Number(s.trim()));
    if (days.some((d) => !Number.isInteger(d) || d < 0 || d > 3650)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be comma-separated whole numbers of days, e.g. 30,14,7,3,1',
      });
      return z.NEVER;
    }
    return [...new Set(days)].sort((a, b) => b - a);
  });

/** Comma-separated whole percents (1-99) of a certificate's lifetime left, largest first; default 33,15,5. */
export const lifetimePercent = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const raw = v === undefined || v.trim() === '' ? '33,15,5' : v;
    const percents = raw.split(',').map((s) => Number(s.trim()));
    if (percents.some((p) => !Number.isInteger(p) || p < 1 || p > 99)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be comma-separated whole percents from 1 to 99, e.g. 33,15,5',
      });
      return z.NEVER;
    }
    return [...new Set(percents)].sort((a, b) => b - a);
  });

/**
 * The alert thresholds as `config.alerts` holds them, from the parsed variables; `.fields` are the variables
 * (days before the end; share of a certificate's own lifetime left).
 */
export const alertThresholds = Object.assign(
  (env: { CERT_ALERT_DAYS: number[]; CERT_ALERT_LIFETIME_PERCENT: number[] }) => ({
    /** Days before expiry, largest first. @defaultValue [30, 14, 7, 3, 1] */
    days: env.CERT_ALERT_DAYS,
    /** Percent of a V2 certificate's own lifetime left, largest first. @defaultValue [33, 15, 5] */
    lifetimePercent: env.CERT_ALERT_LIFETIME_PERCENT,
  }),
  { fields: { CERT_ALERT_DAYS: alertDays, CERT_ALERT_LIFETIME_PERCENT: lifetimePercent } },
);

/** A cron pattern of 5 fields (or 6 with seconds first); default `0 9 * * *`. */
export const cron = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const raw = v === undefined || v.trim() === '' ? '0 9 * * *' : v.trim();
    const fields = raw.split(/\s+/);
    if (
      (fields.length !== 5 && fields.length !== 6) ||
      !fields.every((f) => /^[\d*/,\-A-Za-z?LW#]+$/.test(f))
    ) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a cron pattern of 5 fields (or 6 with seconds first)',
      });
      return z.NEVER;
    }
    return raw;
  });

/** An IANA time zone Intl knows; default UTC. */
export const timezone = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const raw = v === undefined || v.trim() === '' ? 'UTC' : v.trim();
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: raw });
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an IANA time zone such as UTC or Asia/Shanghai' });
      return z.NEVER;
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
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const raw = v?.trim();
      if (raw === undefined || raw === '') return fallback;
      const match = values.find((x) => x.toLowerCase() === raw.toLowerCase());
      if (match === undefined) {
        ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')}` });
        return z.NEVER;
      }
      return match;
    });

/** Comma-separated numeric IDs (CAS contacts), else empty. */
export const numericIdList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const ids = (v ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');
    const bad = ids.find((x) => !/^[0-9]{1,19}$/.test(x));
    if (bad !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `must be comma-separated numeric CAS contact IDs (see npm run cas -- contacts); "${bad.slice(0, 40)}" is not one`,
      });
      return z.NEVER;
    }
    return ids;
  });

/** `domain=host:port,…` (like curl's --resolve): where the TLS check dials a domain instead of DNS. */
export const tlsResolveMap = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const map = new Map<string, { host: string; port: number }>();
    for (const entry of (v ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '')) {
      const match = /^([A-Za-z0-9*._-]+)=(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$/.exec(entry);
      const port = Number(match?.[3]);
      if (!match || port < 1 || port > 65535) {
        ctx.addIssue({
          code: 'custom',
          message: `must be domain=host:port entries, comma-separated (e.g. shop.example.com=10.0.0.5:443); "${entry.slice(0, 60)}" is not one`,
        });
        return z.NEVER;
      }
      map.set((match[1] as string).toLowerCase(), {
        host: (match[2] as string).replace(/^\[|\]$/g, ''),
        port,
      });
    }
    return map as ReadonlyMap<string, { host: string; port: number }>;
  });

/** A comma-separated subset of `allowed` (case as given there), else undefined. */
export const subsetOf = (allowed: readonly string[]) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const items = (v ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
      if (items.length === 0) return undefined;
      const out: string[] = [];
      for (const item of items) {
        const match = allowed.find((a) => a.toLowerCase() === item.toLowerCase());
        if (!match) {
          ctx.addIssue({
            code: 'custom',
            message: `must be a comma-separated list of ${allowed.join(', ')}; "${item.slice(0, 40)}" is not one`,
          });
          return z.NEVER;
        }
        out.push(match);
      }
      return out;
    });

/**
 * An address to listen on: an IPv4 or IPv6 address (`0.0.0.0`, `::`, `127.0.0.1`) or a host name, else `fallback`.
 */
export const listenHost = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const host = v === undefined || v.trim() === '' ? fallback : v.trim();
      if (isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9-]{0,62}\.?)*$/.test(host)) {
        ctx.addIssue({
          code: 'custom',
          message: `must be an IP address to listen on, such as 127.0.0.1 or 0.0.0.0, or a host name (got "${host.slice(0, 60)}")`,
        });
        return z.NEVER;
      }
      return host;
    });
