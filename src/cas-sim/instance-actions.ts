import { x509 } from '../x509.ts';
import type { SimActionTable } from './actions.ts';
import type { OrderStore } from './orders.ts';
import { paging, requireInstanceId, type SimParams } from './params.ts';
import { SimError } from './sim-error.ts';

/** GetUserCertificateDetail: an issued certificate's facts, with its PEM and key unless `CertFilter=true`. */
async function certificateDetail(store: OrderStore, params: SimParams): Promise<Record<string, unknown>> {
  const certId = params.CertId ?? '';
  const cert = await store.servable(certId);
  const order = [...store.orders.values()].find((o) => o.instance.certificateId === certId);
  if (!order?.issued) throw new SimError(404, 'NotFound', '没有找到必要内容，请检查参数输入');
  const issued = { certificatePem: order.issued.certificatePem, privateKeyPem: cert?.privateKeyPem };
  const owner = { domain: order.domain, orderId: order.orderId, instanceId: order.instanceId };
  return certificateBody(certId, owner, issued, params.CertFilter === 'true');
}

/** The body of GetUserCertificateDetail for a certificate the simulator issued (an order's or a subscription's). */
export async function certificateBody(
  certId: string,
  owner: { domain: string; orderId?: string | undefined; instanceId?: string | undefined },
  issued: { certificatePem: string; privateKeyPem?: string | undefined },
  certFilter: boolean,
): Promise<Record<string, unknown>> {
  const parsed = new x509.X509Certificate(issued.certificatePem);
  const sha256 = Buffer.from(await parsed.getThumbprint('SHA-256'))
    .toString('hex')
    .toUpperCase();
  return {
    Id: certId,
    Common: owner.domain,
    Sans: owner.domain,
    NotAfter: parsed.notAfter.getTime(),
    SerialNo: parsed.serialNumber,
    Sha2: sha256,
    OrderId: owner.orderId ?? null,
    InstanceId: owner.instanceId ?? null,
    // Only without CertFilter=true: the PEM and the private key, as the real service returns them.
    ...(certFilter
      ? {}
      : {
          Cert: issued.certificatePem,
          ...(issued.privateKeyPem ? { Key: issued.privateKeyPem } : {}),
        }),
  };
}

/**
 * The certificate-instance actions (the application of a renewal's new order): read an instance, set its
 * application, submit it, list the contacts an application names, and read an issued certificate.
 */
export function createInstanceActions(store: OrderStore, maxShowSize: number): SimActionTable {
  return {
    GetInstanceDetail: (params) => store.instanceDetail(requireInstanceId(params)),
    UpdateInstance(params) {
      store.updateInstance(requireInstanceId(params), params);
      return {};
    },
    ApplyCertificate(params) {
      store.applyCertificate(requireInstanceId(params));
      return {};
    },
    ListContact(params) {
      const { page, size } = paging(params, maxShowSize);
      const r = store.listContacts(page, size);
      return {
        TotalCount: r.total,
        CurrentPage: page,
        ShowSize: size,
        ContactList: r.page.map((c) => ({
          ContactId: c.contactId,
          Name: c.name,
          Email: c.email,
          Mobile: '138****0000',
          EmailStatus: 1,
          MobileStatus: 1,
        })),
      };
    },
    GetUserCertificateDetail: (params) => certificateDetail(store, params),
  };
}
