import { cloudProducts } from '../cas/cloud-products.ts';
import type { DeployBehaviour, SimResource } from './deployment-model.ts';
import type { SimParams } from './params.ts';
import { SimError } from './sim-error.ts';

/** `CertIds` of ListCloudResources: a JSON array, refused otherwise. */
function parseCertIds(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  try {
    return (JSON.parse(value) as unknown[]).map(String);
  } catch {
    throw new SimError(400, 'InvalidParameter.CertIds', 'CertIds must be a JSON array of certificate IDs.');
  }
}

/** ListCloudResources: the resources of one product (or all), serving given certificates, matching a keyword. */
export function listCloudResources(
  resources: ReadonlyMap<string, SimResource>,
  params: SimParams,
  behaviour: DeployBehaviour,
): SimResource[] {
  if ((params.CloudName ?? 'aliyun') !== 'aliyun')
    throw new SimError(400, 'InvalidParameter.CloudName', 'Only aliyun resources are listed here.');
  const product = params.CloudProduct;
  if (product === undefined && behaviour.cloudProductRequired)
    throw new SimError(400, 'MissingCloudProduct', 'CloudProduct is mandatory for this action.');
  if (product !== undefined && !(cloudProducts as readonly string[]).includes(product))
    throw new SimError(
      400,
      'InvalidParameter.CloudProduct',
      `CloudProduct ${product ?? ''} is not supported.`,
    );
  const certIds = parseCertIds(params.CertIds);
  return [...resources.values()].filter(
    (r) =>
      (product === undefined || r.cloudProduct === product) &&
      (certIds === undefined || (r.certId !== undefined && certIds.includes(r.certId))) &&
      (params.Keyword === undefined || r.domain.includes(params.Keyword)),
  );
}

/** One `Data` item of ListCloudResources. */
export function resourceItem(r: SimResource) {
  return {
    Id: r.id,
    CloudName: 'aliyun',
    CloudProduct: r.cloudProduct,
    Domain: r.domain,
    RegionId: r.regionId,
    ListenerPort: r.listenerPort ?? null,
    CertId: r.certId ?? null,
    EnableHttps: 1,
    Status: 'online',
  };
}
