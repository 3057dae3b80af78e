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
  const parsed = new x509.X509Certificate(order.issued.certificatePem);
  const sha256 = Buffer.from(await parsed.getThumbprint('SHA-256'))
    .toString('hex')
    .toUpperCase();
  return {
    Id: certId,
    Common: order.domain,
    Sans: order.domain,
    NotAfter: parsed.notAfter.getTime(),
    SerialNo: parsed.serialNumber,
    Sha2: sha256,
    OrderId: order.orderId,
    InstanceId: order.instanceId,
    // Only without CertFilter=true: the PEM and the private key, as the real service returns them.
    ...(params.CertFilter === 'true'
      ? {}
      : { Cert: order.issued.certificatePem, ...(cert ? { Key: cert.privateKeyPem } : {}) }),
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
