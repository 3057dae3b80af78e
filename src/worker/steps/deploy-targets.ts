import type { CloudResource } from '../../cas/deployment-schemas.ts';
import { casReason, errorCode } from '../../cas/errors.ts';
import { pemFingerprint256 } from '../../deploy/fingerprint.ts';
import { isAppError } from '../../errors.ts';
import type { DeployResource } from '../../renewals/deployment.ts';
import type { RenewalRecord } from '../../renewals/record.ts';
import type { StepContext } from '../step-context.ts';
import { casErrorText } from './deploy-errors.ts';

type CallOptions = { signal?: AbortSignal };

/** Where the old certificate is proposed to be replaced (what the deployment card lists). */
export type DeployTargets =
  | {
      kind: 'found';
      oldCertId: string;
      oldCertSha256: string | undefined;
      newCertId: string;
      resources: DeployResource[];
    }
  | { kind: 'none'; oldCertId: string | undefined }
  | { kind: 'unknown'; message: string; retryable: boolean };

/**
 * Every resource that serves `oldCertId`, in as few calls as the API allows: one `ListCloudResources` with
 * `CertIds` and no `CloudProduct` (a page per 50 resources); per product only if CAS insists on one. What the
 * `CertIds` filter does on the server is undocumented, so only rows naming the old certificate are kept: a
 * resource without a `CertId` (a CDN domain with HTTPS off) is never a target.
 */
export async function resourcesServing(
  ctx: StepContext,
  oldCertId: string,
  options: CallOptions,
): Promise<CloudResource[]> {
  const products = ctx.deploy?.products ?? [];
  let listed: CloudResource[] = [];
  try {
    listed = await ctx.cas.listCloudResources({ certIds: [oldCertId] }, options);
  } catch (err) {
    // Alibaba's model makes `CloudProduct` optional; should a site require it, one listing per product.
    if (casReason(err) !== 'product_required') throw err;
    for (const product of products) {
      try {
        listed.push(
          ...(await ctx.cas.listCloudResources({ cloudProduct: product, certIds: [oldCertId] }, options)),
        );
      } catch (e) {
        // A product this site does not offer: not an error of the lookup.
        if (casReason(e) !== 'product_not_offered') throw e;
      }
    }
  }
  return listed.filter(
    (r) => r.CertId === oldCertId && (r.CloudProduct === undefined || products.includes(r.CloudProduct)),
  );
}

/** The SHA-256 of a certificate CAS holds, computed from its PEM; undefined when CAS does not give it. */
export async function certificateFingerprint(
  ctx: StepContext,
  certId: string,
  options: CallOptions,
): Promise<string | undefined> {
  try {
    return pemFingerprint256(await ctx.cas.getCertificatePem(certId, options));
  } catch (err) {
    ctx.logger.warn({ certId, code: errorCode(err, 'unparsable') }, 'certificate PEM not read');
    return undefined;
  }
}

async function oldCertificateId(
  ctx: StepContext,
  record: RenewalRecord,
  options: CallOptions,
): Promise<string | undefined> {
  // A rotation knows its old certificate: the instance's CertificateId before it (the instance now shows the new).
  if (record.certIdBefore) return record.certIdBefore;
  let oldInstanceId = record.oldInstanceId;
  if (!oldInstanceId && record.domain) {
    for await (const o of ctx.cas.listAllUserCertificateOrders(
      { keyword: record.domain, orderType: 'CPACK' },
      options,
    ))
      if (o.OrderId === record.orderId) oldInstanceId = o.InstanceId;
  }
  return oldInstanceId ? (await ctx.cas.getInstanceDetail(oldInstanceId, options)).CertificateId : undefined;
}

/**
 * Where the old certificate is served, for the deployment card: its certificate ID (from the old order's
 * instance), then the resources serving it, and its fingerprint (from its PEM) to tell "still old" apart.
 */
export async function findDeployTargets(
  ctx: StepContext,
  record: RenewalRecord,
  newCertId: string | undefined,
  signal: AbortSignal | undefined,
): Promise<DeployTargets> {
  const options = signal ? { signal } : {};
  try {
    const oldCertId = await oldCertificateId(ctx, record, options);
    const newId =
      newCertId ??
      (record.instanceId
        ? (await ctx.cas.getInstanceDetail(record.instanceId, options)).CertificateId
        : undefined);
    if (!oldCertId) return { kind: 'none', oldCertId: undefined };
    if (!newId)
      return { kind: 'unknown', message: 'CAS did not give the new certificate ID', retryable: false };
    const found = await resourcesServing(ctx, oldCertId, options);
    if (found.length === 0) return { kind: 'none', oldCertId };
    return {
      kind: 'found',
      oldCertId,
      oldCertSha256: await certificateFingerprint(ctx, oldCertId, options),
      newCertId: newId,
      resources: found.map((r) => ({
        resourceId: r.Id,
        product: r.CloudProduct ?? 'unknown',
        ...(r.Domain ? { domain: r.Domain } : {}),
        ...(r.RegionId ? { region: r.RegionId } : {}),
        ...(r.ListenerPort ? { listenerPort: r.ListenerPort } : {}),
      })),
    };
  } catch (err) {
    return { kind: 'unknown', message: casErrorText(err), retryable: isAppError(err) && err.retryable };
  }
}
