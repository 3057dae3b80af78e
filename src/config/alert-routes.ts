/** One alert route: orders whose domain matches `pattern` go to `channel`. */
export interface AlertRoute {
  pattern: string;
  channel: string;
}

/**
 * Parses `CERT_ALERT_ROUTES` (`*.shop.example.com=C0123,api.example.com=C0456`); returns the routes, or the
 * problem to report.
 */
export function parseAlertRoutes(raw: string): { routes: AlertRoute[] } | { problem: string } {
  const routes: AlertRoute[] = [];
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const eq = part.lastIndexOf('=');
    const pattern = part.slice(0, eq).trim().toLowerCase();
    const channel = part.slice(eq + 1).trim();
    if (eq <= 0 || !/^[a-z0-9*.-]+$/.test(pattern) || !/^[CGD][A-Z0-9]{2,20}$/.test(channel)) {
      return {
        problem:
          'must be comma-separated domain-pattern=channel-ID pairs, e.g. *.shop.example.com=C0123,api.example.com=C0456',
      };
    }
    routes.push({ pattern, channel });
  }
  return { routes };
}
