import type { Redis } from 'ioredis';
import type { Alert } from '../../src/alerts/alert.ts';
import { createAlertService } from '../../src/alerts/alert-service.ts';
import { createAlertState } from '../../src/alerts/alert-state.ts';
import type { Pace } from '../../src/cas/pacer.ts';
import type { SimSeed } from '../../src/cas-sim/seed.ts';
import type { SeedSubscription } from '../../src/cas-sim/subscription-model.ts';
import { silentLogger } from '../../src/logger.ts';
import { createRenewalStore } from '../../src/renewals/store.ts';
import { startCasSim } from './cas.ts';
import { uniquePrefix } from './redis.ts';

export const day = 86_400_000;

/** A V2 subscription whose latest certificate ran `lifetimeDays` and has `daysLeft` left at `now`. */
export function subscription(
  instanceId: string,
  now: number,
  cert: { lifetimeDays: number; daysLeft: number },
  extra: Partial<SeedSubscription> = {},
): SeedSubscription {
  const notAfter = now + cert.daysLeft * day;
  return {
    instanceId,
    domain: `${instanceId}.example.com`,
    orderStartTime: notAfter - cert.lifetimeDays * day,
    orderEndTime: now + 700 * day,
    certificates: [{ notBefore: notAfter - cert.lifetimeDays * day, notAfter }],
    ...extra,
  };
}

/**
 * The expiry scan over a simulator and real Redis, on one clock the test moves; its alerts are collected as data
 * (`posted`) instead of going to Slack.
 */
export async function startV2Scan(
  redis: Redis,
  start: number,
  seed: SimSeed,
  options: { pace?: Pace; realClock?: boolean } = {},
) {
  let t = start;
  const now = options.realClock ? Date.now : () => t;
  const cas = await startCasSim(seed, options.realClock ? {} : { now });
  const prefix = uniquePrefix('v2scan');
  const posted: Alert[] = [];
  const state = createAlertState({ redis, prefix, now });
  const scan = createAlertService({
    cas: cas.client({ now, ...(options.pace ? { pace: options.pace } : {}) }),
    state,
    store: createRenewalStore({ redis, prefix }),
    post: async (alert) => posted.push(alert) > 0,
    logger: silentLogger,
    now,
    alerts: { days: [30, 14, 7, 3, 1], lifetimePercent: [33, 15, 5], channel: 'C0ALERTS', routes: [] },
  });
  return {
    cas,
    prefix,
    posted,
    state,
    scan,
    advance: (days: number) => {
      t += days * day;
    },
    /** Every expiry alert's V2 parts and expired entries, flattened. */
    certificates: () => posted.flatMap((a) => (a.kind === 'expiry' ? (a.certificates ?? []) : [])),
    subscriptions: () => posted.flatMap((a) => (a.kind === 'expiry' ? (a.subscriptions ?? []) : [])),
    expired: () => posted.flatMap((a) => (a.kind === 'expiry' ? a.expired : [])),
  };
}
