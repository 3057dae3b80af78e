import type { z } from 'zod';
import { type ParsedSimSeed, type ScriptStep, SeedOrder } from './seed.ts';
import type { SimCa } from './sim-ca.ts';
import { SimError } from './sim-error.ts';

/** One day, milliseconds. */
export const dayMs = 24 * 60 * 60 * 1000;

/** An order inside the simulator. */
export interface SimOrder extends Omit<z.output<typeof SeedOrder>, 'script' | 'renewScript'> {
  instanceId: string;
  buyDate: number;
  script: ScriptStep[];
  renewScript: ScriptStep[] | undefined;
  /** Index of the current script step and how many polls it has answered. */
  step: number;
  pollsInStep: number;
  csr: string | undefined;
  renewedFrom: string | undefined;
  /** Issued certificate, made once when the script reaches `certificate`. */
  issued: { certificatePem: string; privateKeyPem: string | undefined } | undefined;
  /** The certificate instance behind the order (GetInstanceDetail / UpdateInstance / ApplyCertificate). */
  instance: SimInstance;
}

/** An order's certificate instance. */
export interface SimInstance {
  /** `inactive` until its application is submitted, then `pending`, then `normal` once issued. */
  status: 'inactive' | 'pending' | 'normal';
  /** The application data set by UpdateInstance (or by hand in the console). */
  application: SimApplication | undefined;
  /** How many times its application was submitted (ApplyCertificate, or by hand). */
  applications: number;
  /** Whether the instance calls answer for it (renew-created instances may be refused; see RenewalBehaviour). */
  reachable: boolean;
  certificateId: string | undefined;
  /** When its application was submitted (epoch ms). */
  appliedAt: number | undefined;
}

/** An instance's application data. */
export interface SimApplication {
  domain: string | undefined;
  csr: string | undefined;
  validationMethod: 'DNS' | 'HTTP';
  keyAlgorithm: string;
  contactIds: string[];
  companyId: string | undefined;
}

/** The simulator's orders, plans and contacts as seeded, with the lookups every API family shares. */
export function createOrderBook(seed: ParsedSimSeed, deps: { now: () => number }) {
  const orders = new Map<string, SimOrder>();
  let nextId = 100_000_000n;
  let nextCertificateId = 20_000_000n;

  function add(input: SeedOrder, extra: Partial<SimOrder> = {}): SimOrder {
    const o = SeedOrder.parse(input);
    const order: SimOrder = {
      ...o,
      instanceId: o.instanceId ?? `cas-ivauto-${o.orderId}`,
      buyDate: o.buyDate ?? deps.now(),
      script: o.script ?? [{ type: 'certificate', validation: 'DNS', polls: 1 }],
      renewScript: o.renewScript,
      step: 0,
      pollsInStep: 0,
      csr: undefined,
      renewedFrom: undefined,
      issued: undefined,
      instance: {
        status: o.status === 'PAYED' ? 'inactive' : o.status === 'CHECKING' ? 'pending' : 'normal',
        application: undefined,
        applications: 0,
        reachable: true,
        certificateId: undefined,
        appliedAt: undefined,
      },
      ...extra,
    };
    // An order seeded with a certificate has its certificate ID (the one cloud resources serve).
    if (['ISSUED', 'WILLEXPIRED', 'EXPIRED'].includes(order.status) && !order.instance.certificateId)
      order.instance.certificateId = String(nextCertificateId++);
    orders.set(order.orderId, order);
    if (BigInt(order.orderId) >= nextId) nextId = BigInt(order.orderId) + 1n;
    return order;
  }
  for (const o of seed.orders) add(o);

  return {
    orders,
    packages: new Map(seed.packages.map((p) => [p.productCode, { ...p }])),
    contacts: new Map(seed.contacts.map((c) => [c.contactId, { ...c }])),
    add,
    /** The ID the next created order gets. */
    nextOrderId: () => String(nextId),
    /** A new certificate ID. */
    newCertificateId: () => String(nextCertificateId++),
    /** An order by ID; the real CAS answers a missing one with this code and message (reference §3). */
    mustGet(orderId: string): SimOrder {
      const order = orders.get(orderId);
      if (!order) throw new SimError(404, 'NotFound', '没有找到必要内容，请检查参数输入');
      return order;
    },
    /** The order a certificate ID belongs to. */
    orderOfCertificate: (certId: string) =>
      [...orders.values()].find((o) => o.instance.certificateId === certId),
  };
}

/** The order book's interface. */
export type OrderBook = ReturnType<typeof createOrderBook>;

/** The domain being validated: the application's, else the CSR's (unknown here), else the order's. */
export const validatedDomain = (order: SimOrder) =>
  order.instance.application?.domain?.split(',')[0] ?? order.domain;

/** Makes an order's certificate, as the simulator's CA issues it (the order's ID as serial). */
export function issueFor(
  ca: SimCa,
  order: SimOrder,
  input: { domain: string; csrPem?: string | undefined; notBefore: Date; notAfter: Date },
) {
  return ca.issue({ ...input, serial: BigInt(order.orderId).toString(16).padStart(2, '0') });
}
