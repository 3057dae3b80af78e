import { z } from 'zod';
import { parseAlertRoutes } from './alert-routes.ts';
import { alertDays, cron, type EnvOf, lifetimePercent, matching, timezone } from './fields.ts';

/** The expiry-alert variables. */
export const alertEnvShape = {
  CERT_ALERT_CHANNEL: matching(
    /^[CGD][A-Z0-9]{2,20}$/,
    'must be a Slack channel ID such as C0123ABCD (not a #name)',
  ),
  CERT_ALERT_DAYS: alertDays,
  CERT_ALERT_LIFETIME_PERCENT: lifetimePercent,
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
};

/** The `alerts` section of the configuration. */
export function alertSection(env: EnvOf<typeof alertEnvShape>) {
  return {
    /** Channel ID for expiry alerts; undefined means no alerts. */
    channel: env.CERT_ALERT_CHANNEL,
    /** Thresholds in days before expiry, largest first. @defaultValue [30, 14, 7, 3, 1] */
    days: env.CERT_ALERT_DAYS,
    /** V2 certificates: percent of their own lifetime left, largest first. @defaultValue [33, 15, 5] */
    lifetimePercent: env.CERT_ALERT_LIFETIME_PERCENT,
    /** Domain patterns routed to other channels than `channel`, first match wins. @defaultValue [] */
    routes: env.CERT_ALERT_ROUTES,
    /** @defaultValue 0 9 * * * */
    cron: env.CERT_ALERT_CRON,
    /** @defaultValue UTC */
    timezone: env.CERT_TIMEZONE,
  };
}
