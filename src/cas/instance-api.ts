import type { CasCaller, Query } from './call.ts';
import { maxPageSize, readById } from './call.ts';
import type { CallOptions } from './client-options.ts';
import { assertInstanceId } from './ids.ts';
import { type Contact, GetInstanceDetailResponse, ListContactResponse } from './instance-schemas.ts';
import { RequestIdOnly } from './schema-fields.ts';

/** The application of a certificate instance (UpdateInstance), as the bot submits it. */
export interface InstanceApplication {
  instanceId: string;
  /** Comma-separated domains; may be omitted when a CSR names them (its CN wins). */
  domain?: string | undefined;
  /** The requester's CSR (`GenerateCsrMethod=upload`); without it CAS generates the key (`online`). */
  csr?: string | undefined;
  /** `DNS` or `HTTP` (the instance API's names, not the order API's DNS/FILE). */
  validationMethod: 'DNS' | 'HTTP';
  /** Key CAS generates when there is no CSR, e.g. `RSA_2048`. */
  keyAlgorithm?: string | undefined;
  /** At least one CAS contact, or ApplyCertificate fails. */
  contactIds: readonly string[];
  /** Required for OV/EV. */
  companyId?: string | undefined;
}

/** The instance calls of CAS: reading an instance, applying for its certificate, the contacts it needs. */
export interface CasInstanceApi {
  /** A certificate instance: its status (`inactive` = awaits its application), validation records, certificate. */
  getInstanceDetail(instanceId: string, options?: CallOptions): Promise<GetInstanceDetailResponse>;
  /** Sets an instance's application data (idempotent, so retried like a read). */
  updateInstance(input: InstanceApplication, options?: CallOptions): Promise<{ requestId: string }>;
  /** Submits an instance's application. Never retried here: one application per instance, by the caller's claim. */
  applyCertificate(instanceId: string, options?: CallOptions): Promise<{ requestId: string }>;
  /** Every CAS contact (all pages). */
  listContacts(options?: CallOptions): Promise<Contact[]>;
}

/** UpdateInstance's parameters; contacts flattened as Alibaba's SDK does (OpenApiUtil.query): ContactIdList.1, … */
function applicationQuery(input: InstanceApplication): Query {
  const query: Query = [
    ['InstanceId', input.instanceId],
    ['ValidationMethod', input.validationMethod],
    ['GenerateCsrMethod', input.csr !== undefined ? 'upload' : 'online'],
  ];
  if (input.domain !== undefined) query.push(['Domain', input.domain]);
  if (input.csr !== undefined) query.push(['Csr', input.csr]);
  else if (input.keyAlgorithm !== undefined) query.push(['KeyAlgorithm', input.keyAlgorithm]);
  input.contactIds.forEach((id, i) => {
    query.push([`ContactIdList.${i + 1}`, id]);
  });
  if (input.companyId !== undefined) query.push(['CompanyId', input.companyId]);
  return query;
}

/** The instance calls, made through the shared request machinery. */
export function createCasInstanceApi(caller: CasCaller): CasInstanceApi {
  return {
    getInstanceDetail: readById(
      caller,
      'GetInstanceDetail',
      ['InstanceId', assertInstanceId],
      GetInstanceDetailResponse,
    ),
    async updateInstance(input, callOptions = {}) {
      assertInstanceId(input.instanceId);
      const r = await caller.read('UpdateInstance', applicationQuery(input), RequestIdOnly, callOptions);
      return { requestId: r.RequestId };
    },
    async applyCertificate(instanceId, callOptions = {}) {
      assertInstanceId(instanceId);
      const r = await caller.once(
        'ApplyCertificate',
        [['InstanceId', instanceId]],
        RequestIdOnly,
        callOptions,
      );
      return { requestId: r.RequestId };
    },
    async listContacts(callOptions = {}) {
      const contacts: Contact[] = [];
      for (let page = 1; ; page++) {
        const r = await caller.read(
          'ListContact',
          [
            ['CurrentPage', String(page)],
            ['ShowSize', String(maxPageSize)],
          ],
          ListContactResponse,
          callOptions,
        );
        contacts.push(...r.ContactList);
        if (r.ContactList.length < maxPageSize || contacts.length >= (r.TotalCount ?? 0)) return contacts;
      }
    },
  };
}
