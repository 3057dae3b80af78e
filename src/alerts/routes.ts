import type { AlertRoute } from '../config/alert-routes.ts';

function globToRegExp(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
      .join('.*')}$`,
  );
}

/**
 * The channel for a domain: the first route whose pattern matches (`*` matches any characters, so
 * `*.shop.example.com` matches `a.shop.example.com`, `a.b.shop.example.com` and the wildcard domain itself), else
 * the default channel. Undefined when neither applies.
 */
export function routeFor(
  domain: string | undefined,
  routes: readonly AlertRoute[],
  fallback: string | undefined,
): string | undefined {
  const d = (domain ?? '').toLowerCase();
  return routes.find((r) => globToRegExp(r.pattern).test(d))?.channel ?? fallback;
}
