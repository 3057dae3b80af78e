import type { OrderBook, SimOrder } from './order-book.ts';
import { validatedDomain } from './order-book.ts';
import { defaultRenewScript, pollScript, type ScriptDeps } from './order-script.ts';
import type { ParsedSimSeed, ScriptStep } from './seed.ts';
import { SimError } from './sim-error.ts';

/** DescribeCertificateState's answer for the step an order is at. */
function stateAnswer(order: SimOrder, step: ScriptStep): Record<string, string> {
  const validation = order.instance.application
    ? order.instance.application.validationMethod === 'DNS'
      ? 'DNS'
      : 'FILE'
    : step.validation;
  switch (step.type) {
    case 'domain_verify':
      return validation === 'DNS'
        ? {
            Type: 'domain_verify',
            ValidateType: 'DNS',
            RecordDomain: `_dnsauth.${validatedDomain(order).replace(/^\*\./, '')}`,
            RecordType: 'TXT',
            RecordValue: `2024sim${order.orderId}auth`,
          }
        : {
            Type: 'domain_verify',
            ValidateType: 'FILE',
            Domain: validatedDomain(order),
            Uri: '/.well-known/pki-validation/fileauth.txt',
            Content: `sim-file-auth-${order.orderId}`,
          };
    case 'certificate': {
      const issued = order.issued as NonNullable<SimOrder['issued']>;
      return {
        Type: 'certificate',
        // A string here (SDK ≥ 3.0.1), unlike every other ID.
        ...(order.instance.certificateId ? { CertId: order.instance.certificateId } : {}),
        Certificate: issued.certificatePem,
        ...(issued.privateKeyPem ? { PrivateKey: issued.privateKeyPem } : {}),
      };
    }
    case 'weird':
      return { Type: 'brand_new_state' };
    default:
      return { Type: step.type };
  }
}

/** The order a renewal of `old` creates: pending (PAYED), on the renew script, its instance per the behaviour. */
function renewalOf(old: SimOrder, csr: string | undefined, ctx: OrderOperationsDeps): SimOrder {
  const { book, seed } = ctx;
  const behaviour = seed.renewal;
  const id = book.nextOrderId();
  const bare = behaviour.listing === 'bare';
  const created = book.add(
    {
      orderId: id,
      instanceId: `cas-ivauto-${id}-renew`,
      domain: old.domain,
      status: 'PAYED',
      orderType: old.orderType,
      productName: old.productName,
      productCode: old.productCode,
      certType: old.certType,
      domainType: old.domainType,
      algorithm: old.algorithm,
      buyDate: bare ? old.buyDate : ctx.script.now(),
    },
    {
      script: old.renewScript ?? seed.renewScript ?? defaultRenewScript,
      csr,
      renewedFrom: old.orderId,
      instance: {
        status: behaviour.application === 'required' ? 'inactive' : 'pending',
        application: undefined,
        applications: 0,
        reachable: behaviour.instanceApi === 'ok',
        certificateId: undefined,
        appliedAt: undefined,
      },
    },
  );
  // A bare listing shows no domain until the application names one.
  if (bare) created.domain = '';
  return created;
}

/** The filter and page of ListUserCertificateOrder. */
export interface OrderFilter {
  orderType: string;
  status: string | undefined;
  keyword: string | undefined;
  page: number;
  size: number;
}

/** ListUserCertificateOrder: filter, then page (`CurrentPage` from 1). */
function listOrders(book: OrderBook, filter: OrderFilter) {
  const matching = [...book.orders.values()].filter(
    (o) =>
      o.orderType === filter.orderType &&
      (filter.status === undefined || o.status === filter.status) &&
      (filter.keyword === undefined ||
        o.domain.includes(filter.keyword) ||
        o.instanceId.includes(filter.keyword)),
  );
  const start = (filter.page - 1) * filter.size;
  return { total: matching.length, page: matching.slice(start, start + filter.size) };
}

/** What the order operations work on. */
export interface OrderOperationsDeps {
  book: OrderBook;
  seed: ParsedSimSeed;
  script: ScriptDeps;
}

/** The V1 plan-order operations: renew, describe, list, and a plan's quota. */
export function createOrderOperations(ctx: OrderOperationsDeps) {
  const { book, seed } = ctx;
  return {
    /** RenewCertificateOrderForPackageRequest: only `WILLEXPIRED` orders, spends one unit of quota. */
    renew(orderId: string, csr: string | undefined): SimOrder {
      const old = book.mustGet(orderId);
      if (old.status !== 'WILLEXPIRED') {
        throw new SimError(
          400,
          'InvalidOrderStatus',
          `The order is ${old.status}; only orders about to expire (WILLEXPIRED) can be renewed.`,
        );
      }
      const pkg = book.packages.get(old.productCode);
      if (pkg && pkg.usedCount >= pkg.totalCount) {
        throw new SimError(
          400,
          'InsufficientQuota',
          `The plan ${old.productCode} has no certificates left (${pkg.usedCount}/${pkg.totalCount} used).`,
        );
      }
      if (pkg) pkg.usedCount++;
      return renewalOf(old, csr, ctx);
    },

    /** DescribeCertificateState: answers the current script step, then advances after its `polls`. */
    async describe(orderId: string): Promise<Record<string, string>> {
      const order = book.mustGet(orderId);
      // A renewed order waits for its application: it stays pending (payed) and its script does not move.
      if (order.instance.status === 'inactive' && order.renewedFrom !== undefined) return { Type: 'payed' };
      const step = await pollScript(order, ctx.script);
      // Not following the instance: the order keeps saying pending, even once issued (only a refusal shows).
      if (
        !seed.renewal.describeFollowsInstance &&
        order.renewedFrom !== undefined &&
        step.type !== 'verify_fail'
      )
        return { Type: 'payed' };
      return stateAnswer(order, step);
    },

    /** ListUserCertificateOrder: filter, then page (`CurrentPage` from 1). */
    list: (filter: OrderFilter) => listOrders(book, filter),

    /** DescribePackageState: a plan's quota (an unknown plan has none). */
    packageState(productCode: string) {
      return book.packages.get(productCode) ?? { productCode, totalCount: 0, usedCount: 0 };
    },
  };
}
