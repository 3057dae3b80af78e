/** Alert thresholds of a V2 certificate, from its own validity (never from the calendar). */
export interface LifetimeThresholds {
  /** Days before the end, largest first (CERT_ALERT_DAYS). */
  days: readonly number[];
  /** Percent of the certificate's own lifetime left, largest first (CERT_ALERT_LIFETIME_PERCENT). */
  lifetimePercent: readonly number[];
}

const dayMs = 86_400_000;

/**
 * The alert points of one certificate, as milliseconds before its end, largest first. The i-th point is the i-th
 * day threshold or the i-th lifetime share, whichever comes first (the larger): a 365-day certificate is first
 * alerted with 33% (about 120 days) left, a 47-day one with 30 days left. The lifetime is notAfter − notBefore.
 */
export function alertPointsMs(t: LifetimeThresholds, notBefore: number, notAfter: number): number[] {
  const lifetime = Math.max(0, notAfter - notBefore);
  const days = [...t.days].sort((a, b) => b - a);
  const percents = [...t.lifetimePercent].sort((a, b) => b - a);
  const points: number[] = [];
  for (let i = 0; i < Math.max(days.length, percents.length); i++) {
    const d = days[i];
    const p = percents[i];
    const byDays = d === undefined ? 0 : d * dayMs;
    const byShare = p === undefined ? 0 : Math.floor((lifetime * p) / 100);
    points.push(Math.max(byDays, byShare));
  }
  return [...new Set(points)].sort((a, b) => b - a);
}

/** Where a certificate stands against its alert points at `now`. */
export interface LifetimeStanding {
  /** Whole days left (negative once past). */
  daysLeft: number;
  /** Percent of its lifetime left, rounded down (0 once past). */
  percentLeft: number;
  /** The tightest alert point crossed (ms before the end), or undefined when none is. */
  crossedMs: number | undefined;
}

export function lifetimeStanding(
  t: LifetimeThresholds,
  cert: { notBefore: number; notAfter: number },
  now: number,
): LifetimeStanding {
  const left = cert.notAfter - now;
  const lifetime = cert.notAfter - cert.notBefore;
  const crossed = alertPointsMs(t, cert.notBefore, cert.notAfter).filter((p) => left <= p);
  return {
    daysLeft: Math.floor(left / dayMs),
    percentLeft: lifetime > 0 ? Math.max(0, Math.floor((left * 100) / lifetime)) : 0,
    crossedMs: crossed.length > 0 ? Math.min(...crossed) : undefined,
  };
}
