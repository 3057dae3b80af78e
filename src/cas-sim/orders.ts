import type { z } from 'zod';
import { type ScriptStep, SeedOrder, SimSeed } from './seed.ts';
import type { SimCa } from './sim-ca.ts';
import { SimError } from './sim-error.ts';

const dayMs = 24 * 60 * 60 * 1000;

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
}

/** Default script of a renewal's new order: pending, DNS validation twice, review, issued. */
export const defaultRenewScript: ScriptStep[] = [
  { type: 'payed', validation: 'DNS', polls: 1 },
  { type: 'domain_verify', validation: 'DNS', polls: 2 },
  { type: 'process', validation: 'DNS', polls: 1 },
  { type: 'certificate', validation: 'DNS', polls: 1 },
];

const listStatusOf: Record<ScriptStep['type'], SimOrder['status'] | undefined> = {
  payed: 'PAYED',
  domain_verify: 'CHECKING',
  process: 'CHECKING',
  verify_fail: 'CHECKED_FAIL',
  certificate: 'ISSUED',
  unknow: undefined,
  weird: undefined,
};

/** The simulator's orders and plan quotas, with the state machine behind the four operations. */
export function createOrderStore(seedInput: SimSeed, deps: { now: () => number; ca: SimCa }) {
  const seed = SimSeed.parse(seedInput);
  const orders = new Map<string, SimOrder>();
  const packages = new Map(seed.packages.map((p) => [p.productCode, { ...p }]));
  let nextId = 100_000_000n;

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
      ...extra,
    };
    orders.set(order.orderId, order);
    if (BigInt(order.orderId) >= nextId) nextId = BigInt(order.orderId) + 1n;
    return order;
  }
  for (const o of seed.orders) add(o);

  function mustGet(orderId: string): SimOrder {
    const order = orders.get(orderId);
    // The real CAS answers a missing order with this code and message (see reference/alibaba-cas.md §3).
    if (!order) throw new SimError(404, 'NotFound', '没有找到必要内容，请检查参数输入');
    return order;
  }

  return {
    orders,
    packages,
    add,
    get: (orderId: string) => orders.get(orderId),

    /** RenewCertificateOrderForPackageRequest: only `WILLEXPIRED` orders, spends one unit of quota. */
    renew(orderId: string, csr: string | undefined): SimOrder {
      const old = mustGet(orderId);
      if (old.status !== 'WILLEXPIRED') {
        throw new SimError(
          400,
          'InvalidOrderStatus',
          `The order is ${old.status}; only orders about to expire (WILLEXPIRED) can be renewed.`,
        );
      }
      const pkg = packages.get(old.productCode);
      if (pkg && pkg.usedCount >= pkg.totalCount) {
        throw new SimError(
          400,
          'InsufficientQuota',
          `The plan ${old.productCode} has no certificates left (${pkg.usedCount}/${pkg.totalCount} used).`,
        );
      }
      if (pkg) pkg.usedCount++;
      const id = String(nextId);
      return add(
        {
          orderId: id,
          domain: old.domain,
          status: 'PAYED',
          orderType: old.orderType,
          productName: old.productName,
          productCode: old.productCode,
          certType: old.certType,
          domainType: old.domainType,
          algorithm: old.algorithm,
          buyDate: deps.now(),
        },
        { script: old.renewScript ?? seed.renewScript ?? defaultRenewScript, csr, renewedFrom: old.orderId },
      );
    },

    /** DescribeCertificateState: answers the current script step, then advances after its `polls`. */
    async describe(orderId: string): Promise<Record<string, string>> {
      const order = mustGet(orderId);
      const step = order.script[Math.min(order.step, order.script.length - 1)] as ScriptStep;
      order.pollsInStep++;
      if (order.pollsInStep >= step.polls && order.step < order.script.length - 1) {
        order.step++;
        order.pollsInStep = 0;
      }
      const status = listStatusOf[step.type];
      // An issued certificate that is about to expire (or expired) stays listed as such: describing it does not
      // make it ISSUED again.
      const issuedAlready = order.status === 'WILLEXPIRED' || order.status === 'EXPIRED';
      if (status && !(issuedAlready && status === 'ISSUED')) order.status = status;
      switch (step.type) {
        case 'domain_verify':
          return step.validation === 'DNS'
            ? {
                Type: 'domain_verify',
                ValidateType: 'DNS',
                RecordDomain: `_dnsauth.${order.domain.replace(/^\*\./, '')}`,
                RecordType: 'TXT',
                RecordValue: `2024sim${order.orderId}auth`,
              }
            : {
                Type: 'domain_verify',
                ValidateType: 'FILE',
                Domain: order.domain,
                Uri: '/.well-known/pki-validation/fileauth.txt',
                Content: `sim-file-auth-${order.orderId}`,
              };
        case 'certificate': {
          if (!order.issued) {
            const now = deps.now();
            order.certStartTime = now;
            order.certEndTime = now + 365 * dayMs;
            order.issued = await deps.ca.issue({
              domain: order.domain,
              csrPem: order.csr,
              notBefore: new Date(now - 60_000),
              notAfter: new Date(order.certEndTime),
              serial: BigInt(order.orderId).toString(16).padStart(2, '0'),
            });
          }
          return {
            Type: 'certificate',
            Certificate: order.issued.certificatePem,
            ...(order.issued.privateKeyPem ? { PrivateKey: order.issued.privateKeyPem } : {}),
          };
        }
        case 'weird':
          return { Type: 'brand_new_state' };
        default:
          return { Type: step.type };
      }
    },

    /** ListUserCertificateOrder: filter, then page (`CurrentPage` from 1). */
    list(filter: {
      orderType: string;
      status: string | undefined;
      keyword: string | undefined;
      page: number;
      size: number;
    }) {
      const matching = [...orders.values()].filter(
        (o) =>
          o.orderType === filter.orderType &&
          (filter.status === undefined || o.status === filter.status) &&
          (filter.keyword === undefined ||
            o.domain.includes(filter.keyword) ||
            o.instanceId.includes(filter.keyword)),
      );
      const start = (filter.page - 1) * filter.size;
      return { total: matching.length, page: matching.slice(start, start + filter.size) };
    },

    packageState(productCode: string) {
      return packages.get(productCode) ?? { productCode, totalCount: 0, usedCount: 0 };
    },
  };
}

/** The order store's interface. */
export type OrderStore = ReturnType<typeof createOrderStore>;
