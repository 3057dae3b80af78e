import type { InstanceApplication } from './instance-api.ts';
import type { GetInstanceDetailResponse } from './instance-schemas.ts';

/** What an application may change on an instance, as named when saying why UpdateInstance is needed. */
export type ApplicationSetting = 'domain' | 'method' | 'key' | 'csr' | 'contacts' | 'company';

/** A comma-separated domain list as a set: order, case and spaces do not make it differ. */
const domainSet = (domains: string | undefined) =>
  [
    ...new Set(
      (domains ?? '')
        .split(',')
        .map((d) => d.trim().toLowerCase())
        .filter(Boolean),
    ),
  ]
    .sort()
    .join(',');

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');

/**
 * The settings of `application` that differ from what the instance holds now (GetInstanceDetail: `Domain`,
 * `ValidationMethod`, `GenerateCsrMethod`, `KeyAlgorithm`, `ContactIdList`, `CompanyId`); empty when
 * UpdateInstance would change nothing. A CSR given always differs: GetInstanceDetail's `Csr` is not compared.
 * `keepsInstanceCsr`: the key stays the CSR already uploaded to the instance (the key is not compared).
 */
export function applicationChanges(
  detail: GetInstanceDetailResponse,
  application: Omit<InstanceApplication, 'instanceId'>,
  options: { keepsInstanceCsr?: boolean } = {},
): ApplicationSetting[] {
  const changes: ApplicationSetting[] = [];
  if (application.domain !== undefined && domainSet(application.domain) !== domainSet(detail.Domain))
    changes.push('domain');
  if (application.validationMethod !== detail.ValidationMethod) changes.push('method');
  if (application.csr !== undefined) changes.push('csr');
  else if (
    !options.keepsInstanceCsr &&
    (detail.GenerateCsrMethod !== 'online' ||
      (application.keyAlgorithm ?? 'RSA_2048') !== (detail.KeyAlgorithm ?? 'RSA_2048'))
  )
    changes.push('key');
  if (!sameSet(application.contactIds, detail.ContactIdList ?? [])) changes.push('contacts');
  if (application.companyId !== undefined && application.companyId !== detail.CompanyId)
    changes.push('company');
  return changes;
}
