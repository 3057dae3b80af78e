import type { z } from 'zod';
import { type ScriptStep, SeedOrder, SimSeed } from './seed.ts';
import type { SimCa } from './sim-ca.ts';
import { isParsableCsr } from './sim-ca.ts';
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

/** Default script of a renewal's new order: pending, DNS validation twice, review, issued. */
export const defaultRenewScript: ScriptStep[] = [
  { type: 'payed', validation: 'DNS', polls: 1 },
  { type: 'domain_verify', validation: 'DNS', polls: 2 },
  { type: 'process', validation: 'DNS', polls: 1 },
  { type: 'certificate', validation: 'DNS', polls: 1 },
];

const keyAlgorithms = new Set(['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_256', 'SM2']);

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
  const behaviour = seed.renewal;
  const orders = new Map<string, SimOrder>();
  const packages = new Map(seed.packages.map((p) => [p.productCode, { ...p }]));
  const contacts = new Map(seed.contacts.map((c) => [c.contactId, { ...c }]));
  let nextId = 100_000_000n;
  let nextCertificateId = 20_000_000n;

  /** The order a certificate ID belongs to. */
  const orderOfCertificate = (certId: string) =>
    [...orders.values()].find((o) => o.instance.certificateId === certId);

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

  function mustGet(orderId: string): SimOrder {
    const order = orders.get(orderId);
    // The real CAS answers a missing order with this code and message (see reference/alibaba-cas.md §3).
    if (!order) throw new SimError(404, 'NotFound', '没有找到必要内容，请检查参数输入');
    return order;
  }

  /** Whether a renewal's new order still waits for its application (the strict reading). */
  const awaitsApplication = (order: SimOrder) =>
    order.instance.status === 'inactive' && order.renewedFrom !== undefined;

  /** The domain being validated: the application's, else the CSR's (unknown here), else the order's. */
  const validatedDomain = (order: SimOrder) =>
    order.instance.application?.domain?.split(',')[0] ?? order.domain;

  function mustGetInstance(instanceId: string): SimOrder {
    const order = [...orders.values()].find((o) => o.instanceId === instanceId);
    if (!order) throw new SimError(404, 'NotFound', '没有找到必要内容，请检查参数输入');
    if (!order.instance.reachable) {
      switch (behaviour.instanceApi) {
        case 'no_permission':
          throw new SimError(
            403,
            'Forbidden.NoPermission',
            'You are not authorized to operate on this instance.',
          );
        case 'no_action':
          throw new SimError(
            404,
            'InvalidAction.NotFound',
            'Specified api is not found, please check your url and method.',
          );
        default:
          throw new SimError(404, 'NotFound', '没有找到必要内容，请检查参数输入');
      }
    }
    return order;
  }

  function submitApplication(order: SimOrder): void {
    order.instance.status = 'pending';
    order.instance.applications++;
    order.instance.appliedAt = deps.now();
    const app = order.instance.application;
    if (app?.domain && !order.domain) order.domain = app.domain.split(',')[0] as string;
    if (app?.csr !== undefined) order.csr = app.csr;
    // The wait for the application is over: a script that starts with `payed` moves past it.
    if (order.script[order.step]?.type === 'payed' && order.step < order.script.length - 1) {
      order.step++;
      order.pollsInStep = 0;
    }
    order.status = 'CHECKING';
  }

  /** One look at an order's state (describe or instance detail): answers the current step, then advances. */
  async function poll(order: SimOrder): Promise<ScriptStep> {
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
    if (step.type === 'certificate' && !order.issued) {
      const now = deps.now();
      order.certStartTime = now;
      order.certEndTime = now + 365 * dayMs;
      order.issued = await deps.ca.issue({
        domain: validatedDomain(order),
        csrPem: order.csr,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(order.certEndTime),
        serial: BigInt(order.orderId).toString(16).padStart(2, '0'),
      });
      order.instance.status = 'normal';
      order.instance.certificateId = String(nextCertificateId++);
    }
    return step;
  }

  return {
    orders,
    packages,
    contacts,
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
      const bare = behaviour.listing === 'bare';
      const created = add(
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
          buyDate: bare ? old.buyDate : deps.now(),
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
    },

    /** DescribeCertificateState: answers the current script step, then advances after its `polls`. */
    async describe(orderId: string): Promise<Record<string, string>> {
      const order = mustGet(orderId);
      // A renewed order waits for its application: it stays pending (payed) and its script does not move.
      if (awaitsApplication(order)) return { Type: 'payed' };
      const step = await poll(order);
      // Not following the instance: the order keeps saying pending, even once issued (only a refusal shows).
      if (
        !behaviour.describeFollowsInstance &&
        order.renewedFrom !== undefined &&
        step.type !== 'verify_fail'
      ) {
        return { Type: 'payed' };
      }
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
    },

    /** GetInstanceDetail: the instance's status, application and validation records (a poll, like describe). */
    async instanceDetail(instanceId: string): Promise<Record<string, unknown>> {
      const order = mustGetInstance(instanceId);
      const instance = order.instance;
      // A read that lags behind the application still sees the instance waiting for one.
      if (
        instance.appliedAt !== undefined &&
        deps.now() < instance.appliedAt + behaviour.applyVisibleAfterMs
      ) {
        return { InstanceId: order.instanceId, Status: 'inactive', DomainValidationList: [] };
      }
      const step = instance.status === 'pending' ? await poll(order) : undefined;
      const app = instance.application;
      const domain = validatedDomain(order);
      const root = domain.replace(/^\*\./, '');
      const validating = step?.type === 'domain_verify';
      return {
        InstanceId: order.instanceId,
        Status: instance.status,
        ...(instance.status === 'normal'
          ? { CertificateStatus: 'issued', CertificateId: instance.certificateId ?? null }
          : { CertificateStatus: null, CertificateId: null }),
        PendingResult:
          step?.type === 'verify_fail' ? 'Domain validation failed: the record was not found.' : null,
        Domain: app?.domain ?? (domain || null),
        ValidationMethod: app?.validationMethod ?? null,
        GenerateCsrMethod: app ? (app.csr ? 'upload' : 'online') : null,
        KeyAlgorithm: app?.keyAlgorithm ?? null,
        ContactIdList: app?.contactIds.map(Number) ?? [],
        DomainValidationList: validating
          ? [
              app?.validationMethod === 'HTTP'
                ? {
                    Domain: domain,
                    RootDomain: root,
                    ValidationType: 'HTTP',
                    ValidationKey: '/.well-known/pki-validation/fileauth.txt',
                    ValidationValue: `sim-file-auth-${order.orderId}`,
                  }
                : {
                    Domain: domain,
                    RootDomain: root,
                    ValidationType: 'TXT',
                    ValidationKey: `_dnsauth.${root}`,
                    ValidationValue: `2024sim${order.orderId}auth`,
                  },
            ]
          : [],
      };
    },

    /** UpdateInstance: validates and stores the application; only while the instance awaits it. */
    updateInstance(instanceId: string, params: Record<string, string>): void {
      const order = mustGetInstance(instanceId);
      if (order.instance.status !== 'inactive') {
        throw new SimError(
          400,
          'InvalidStatus.Instance',
          `The instance is ${order.instance.status}; its application can only be changed while it is inactive.`,
        );
      }
      const method = params.ValidationMethod ?? 'DNS';
      if (method !== 'DNS' && method !== 'HTTP')
        throw new SimError(400, 'InvalidParameter.ValidationMethod', 'ValidationMethod must be DNS or HTTP.');
      const csrMethod = params.GenerateCsrMethod ?? 'online';
      if (csrMethod !== 'online' && csrMethod !== 'upload')
        throw new SimError(
          400,
          'InvalidParameter.GenerateCsrMethod',
          'GenerateCsrMethod must be online or upload.',
        );
      const csr = params.Csr;
      if (csrMethod === 'upload' && !csr)
        throw new SimError(400, 'InvalidParameter.Csr', 'Csr is required when GenerateCsrMethod is upload.');
      if (csr !== undefined && !isParsableCsr(csr))
        throw new SimError(
          400,
          'InvalidParameter.Csr',
          'The specified CSR is not a valid PKCS#10 certificate request.',
        );
      if (!params.Domain && !csr)
        throw new SimError(400, 'InvalidParameter.Domain', 'Domain and Csr cannot both be empty.');
      const keyAlgorithm = params.KeyAlgorithm ?? 'RSA_2048';
      if (!keyAlgorithms.has(keyAlgorithm))
        throw new SimError(
          400,
          'InvalidParameter.KeyAlgorithm',
          `KeyAlgorithm ${keyAlgorithm} is not supported.`,
        );
      const contactIds = Object.entries(params)
        .filter(([k]) => /^ContactIdList\.[0-9]+$/.test(k))
        .map(([, v]) => v);
      for (const id of contactIds) {
        if (!contacts.has(id))
          throw new SimError(400, 'InvalidParameter.ContactId', `Contact ${id} does not exist.`);
      }
      order.instance.application = {
        domain: params.Domain || undefined,
        csr: csrMethod === 'upload' ? csr : undefined,
        validationMethod: method,
        keyAlgorithm,
        contactIds,
        companyId: params.CompanyId,
      };
    },

    /** ApplyCertificate: submits the application; one at a time per instance. */
    applyCertificate(instanceId: string): void {
      const order = mustGetInstance(instanceId);
      if (order.instance.status !== 'inactive') {
        throw new SimError(
          400,
          'InvalidStatus.Apply',
          `The instance is ${order.instance.status}: an application is already in progress or done.`,
        );
      }
      const app = order.instance.application;
      if (!app)
        throw new SimError(
          400,
          'InvalidStatus.NoApplication',
          'Set the application with UpdateInstance first.',
        );
      if (app.contactIds.length === 0)
        throw new SimError(
          400,
          'InvalidParameter.ContactIdList',
          'At least one contact is required to apply.',
        );
      if ((order.certType === 'OV' || order.certType === 'EV') && !app.companyId)
        throw new SimError(
          400,
          'InvalidParameter.CompanyId',
          'A company is required for OV/EV certificates.',
        );
      submitApplication(order);
    },

    /** Someone applied in the CAS console (no API call): the order proceeds as after ApplyCertificate. */
    applyByHand(orderId: string, validationMethod: 'DNS' | 'HTTP' = 'DNS'): void {
      const order = mustGet(orderId);
      order.instance.application ??= {
        domain: order.domain || undefined,
        csr: undefined,
        validationMethod,
        keyAlgorithm: 'RSA_2048',
        contactIds: [...contacts.keys()].slice(0, 1),
        companyId: undefined,
      };
      submitApplication(order);
    },

    /** Whether a certificate ID exists. */
    certificateExists: (certId: string) => orderOfCertificate(certId) !== undefined,

    /**
     * A certificate and its key by ID, as a server would serve it: made once for a seeded order (its "old"
     * certificate); undefined when unknown, or when the key is the requester's (a CSR was given).
     */
    async servable(certId: string): Promise<{ certificatePem: string; privateKeyPem: string } | undefined> {
      const order = orderOfCertificate(certId);
      if (!order) return undefined;
      if (!order.issued) {
        order.issued = await deps.ca.issue({
          domain: order.domain,
          notBefore: new Date((order.certStartTime ?? deps.now()) - 60_000),
          notAfter: new Date(order.certEndTime ?? deps.now() + 30 * dayMs),
          serial: BigInt(order.orderId).toString(16).padStart(2, '0'),
        });
      }
      const { certificatePem, privateKeyPem } = order.issued;
      return privateKeyPem ? { certificatePem, privateKeyPem } : undefined;
    },

    /** ListContact: the account's contacts, paged. */
    listContacts(page: number, size: number) {
      const all = [...contacts.values()];
      return { total: all.length, page: all.slice((page - 1) * size, page * size) };
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
