import { checkEndpoints } from '../../deploy/tls-check.ts';
import { allServingNew, type DeployResult, type TlsResult } from '../../renewals/deployment.ts';
import type { DeploymentRecord } from '../../renewals/deployment-record.ts';
import { type RenewalJobData, type Step, type StepContext, tell } from '../step-context.ts';
import { deployCard, moveDeployment } from './deploy-moves.ts';
import { certificateFingerprint } from './deploy-targets.ts';

/** One endpoint of a deployment: a host name a deployed resource reports, or a resource with none to dial. */
export interface TlsEndpoint {
  domain: string;
  resourceIds: string[];
  /** Why it cannot be dialled (no host name, or only a wildcard one); undefined when it can. */
  undialable?: string | undefined;
}

/**
 * The endpoints to check: every host name each resource of the job reports (`ResourceDomain`, else the domain
 * `ListCloudResources` gave), once per host. A wildcard name is never dialled (the bare domain is another host);
 * a resource that reports no dialable name is still an endpoint, counted as not checked.
 */
export function tlsEndpoints(results: readonly DeployResult[]): TlsEndpoint[] {
  const byHost = new Map<string, TlsEndpoint>();
  const undialable: TlsEndpoint[] = [];
  // Failed resources count too (they serve what they served before); a rolled-back one was put back on purpose.
  for (const r of results.filter((x) => x.status !== 'rollback_success')) {
    const names = (r.domain ?? '')
      .split(',')
      .map((n) => n.trim().toLowerCase())
      .filter((n) => n !== '');
    const hosts = names.filter((n) => !n.startsWith('*.'));
    for (const host of hosts) {
      const endpoint = byHost.get(host) ?? { domain: host, resourceIds: [] };
      endpoint.resourceIds.push(r.resourceId);
      byHost.set(host, endpoint);
    }
    if (hosts.length === 0)
      undialable.push({
        domain: names[0] ?? `${r.product} resource ${r.resourceId}`,
        resourceIds: [r.resourceId],
        undialable:
          names.length > 0 ? 'the resource reports only a wildcard name' : 'CAS reports no host name for it',
      });
  }
  return [...byHost.values(), ...undialable];
}

async function checkAll(
  ctx: StepContext,
  endpoints: readonly TlsEndpoint[],
  expected: string,
  previous: string | undefined,
): Promise<TlsResult[]> {
  const dialable = endpoints.filter((e) => e.undialable === undefined);
  const served = await checkEndpoints(
    dialable.map((e) => e.domain),
    expected,
    { previous, resolve: ctx.deploy?.tlsResolve ?? new Map() },
  );
  return [
    ...served.map((r, i) => ({ ...r, resourceIds: dialable[i]?.resourceIds ?? [] })),
    ...endpoints
      .filter((e) => e.undialable !== undefined)
      .map(
        (e): TlsResult => ({
          domain: e.domain,
          address: 'none',
          outcome: 'unreachable',
          error: e.undialable,
          resourceIds: e.resourceIds,
        }),
      ),
  ];
}

/**
 * From `verifying`: checks every endpoint of the deployed resources with SNI against the new certificate's
 * fingerprint (computed from its PEM). `verified` only when every one serves it; otherwise tries again with
 * back-off (CDN propagation) up to the limit, then ends `deployed` with what was seen, and Check again.
 */
export async function verifyStep(
  ctx: StepContext,
  record: DeploymentRecord,
  data: RenewalJobData,
): Promise<Step> {
  const settings = ctx.deploy;
  const expected = record.newCertSha256 ?? (await certificateFingerprint(ctx, record.newCertId, {}));
  const endpoints = tlsEndpoints(record.results ?? []);
  const results = expected ? await checkAll(ctx, endpoints, expected, record.oldCertSha256) : [];
  data.tlsAttempts = (data.tlsAttempts ?? 0) + 1;
  const attempts = data.tlsAttempts;
  const verified = allServingNew(results);
  if (!verified && attempts < (settings?.tlsAttempts ?? 1)) {
    return {
      kind: 'later',
      ms: Math.min(ctx.timings.pollMaxMs, Math.max(1, ctx.timings.pollMinMs) * 2 ** attempts),
    };
  }
  const serving = results.filter((r) => r.outcome === 'new').length;
  const moved = await moveDeployment(ctx, record, verified ? 'tls_checked' : 'tls_not_serving', {
    detail: `serving the new certificate on ${serving} of ${results.length} endpoints`,
    fields: { tlsResults: results },
    notify: [tell({ type: 'tls_results', results, final: true }), deployCard],
  });
  if (moved.ok) ctx.onTlsChecked?.(results);
  return moved.ok ? { kind: 'done' } : { kind: 'again' };
}
