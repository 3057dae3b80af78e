import {
  dayMs,
  issueFor,
  type OrderBook,
  type SimApplication,
  type SimOrder,
  validatedDomain,
} from './order-book.ts';
import { pollScript, type ScriptDeps, skipPayedStep } from './order-script.ts';
import type { SimParams } from './params.ts';
import type { ParsedSimSeed } from './seed.ts';
import { isParsableCsr } from './sim-ca.ts';
import { SimError } from './sim-error.ts';

const keyAlgorithms = new Set(['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_256', 'SM2']);
const notFound = () => new SimError(404, 'NotFound', '没有找到必要内容，请检查参数输入');

/** How an unreachable instance is refused (RenewalBehaviour.instanceApi). */
function unreachable(instanceApi: ParsedSimSeed['renewal']['instanceApi']): SimError {
  switch (instanceApi) {
    case 'no_permission':
      return new SimError(
        403,
        'Forbidden.NoPermission',
        'You are not authorized to operate on this instance.',
      );
    case 'no_action':
      return new SimError(
        404,
        'InvalidAction.NotFound',
        'Specified api is not found, please check your url and method.',
      );
    default:
      return notFound();
  }
}

/** UpdateInstance's parameters as an application, refused as CAS refuses them. */
export function parseApplication(params: SimParams, contactExists: (id: string) => boolean): SimApplication {
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
    if (!contactExists(id))
      throw new SimError(400, 'InvalidParameter.ContactId', `Contact ${id} does not exist.`);
  }
  return {
    domain: params.Domain || undefined,
    csr: csrMethod === 'upload' ? csr : undefined,
    validationMethod: method,
    keyAlgorithm,
    contactIds,
    companyId: params.CompanyId,
  };
}

/** Refuses an application ApplyCertificate cannot submit (none, no contact, no company for OV/EV). */
function checkSubmittable(order: SimOrder): void {
  const app = order.instance.application;
  if (!app)
    throw new SimError(400, 'InvalidStatus.NoApplication', 'Set the application with UpdateInstance first.');
  if (app.contactIds.length === 0)
    throw new SimError(400, 'InvalidParameter.ContactIdList', 'At least one contact is required to apply.');
  if ((order.certType === 'OV' || order.certType === 'EV') && !app.companyId)
    throw new SimError(400, 'InvalidParameter.CompanyId', 'A company is required for OV/EV certificates.');
}

/** The application was submitted (by API or by hand): the instance and its order go pending. */
function submitApplication(order: SimOrder, now: number): void {
  order.instance.status = 'pending';
  order.instance.applications++;
  order.instance.appliedAt = now;
  const app = order.instance.application;
  if (app?.domain && !order.domain) order.domain = app.domain.split(',')[0] as string;
  if (app?.csr !== undefined) order.csr = app.csr;
  skipPayedStep(order);
  order.status = 'CHECKING';
}

/** The validation record GetInstanceDetail lists while the domain is being validated. */
function validationItem(order: SimOrder): Record<string, string> {
  const domain = validatedDomain(order);
  const root = domain.replace(/^\*\./, '');
  return order.instance.application?.validationMethod === 'HTTP'
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
      };
}

/** What the instance operations work on. */
export interface InstanceOperationsDeps {
  book: OrderBook;
  seed: ParsedSimSeed;
  script: ScriptDeps;
}

/** GetInstanceDetail: the instance's status, application and validation records (a poll, like describe). */
async function instanceDetail(
  order: SimOrder,
  ctx: InstanceOperationsDeps,
): Promise<Record<string, unknown>> {
  const instance = order.instance;
  // A read that lags behind the application still sees the instance waiting for one.
  if (
    instance.appliedAt !== undefined &&
    ctx.script.now() < instance.appliedAt + ctx.seed.renewal.applyVisibleAfterMs
  )
    return { InstanceId: order.instanceId, Status: 'inactive', DomainValidationList: [] };
  const step = instance.status === 'pending' ? await pollScript(order, ctx.script) : undefined;
  const app = instance.application;
  const domain = validatedDomain(order);
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
    DomainValidationList: step?.type === 'domain_verify' ? [validationItem(order)] : [],
  };
}

/** The certificate-instance operations: read an instance, set and submit its application, list contacts. */
export function createInstanceOperations(ctx: InstanceOperationsDeps) {
  const { book } = ctx;
  function mustGetInstance(instanceId: string): SimOrder {
    const order = [...book.orders.values()].find((o) => o.instanceId === instanceId);
    if (!order) throw notFound();
    if (!order.instance.reachable) throw unreachable(ctx.seed.renewal.instanceApi);
    return order;
  }
  /** Refuses a change to an instance that no longer awaits its application. */
  function mustBeInactive(order: SimOrder, code: string, why: string): void {
    if (order.instance.status !== 'inactive')
      throw new SimError(400, code, `The instance is ${order.instance.status}${why}`);
  }
  return {
    instanceDetail: (instanceId: string) => instanceDetail(mustGetInstance(instanceId), ctx),

    /** UpdateInstance: validates and stores the application; only while the instance awaits it. */
    updateInstance(instanceId: string, params: SimParams): void {
      const order = mustGetInstance(instanceId);
      mustBeInactive(
        order,
        'InvalidStatus.Instance',
        '; its application can only be changed while it is inactive.',
      );
      order.instance.application = parseApplication(params, (id) => book.contacts.has(id));
    },

    /** ApplyCertificate: submits the application; one at a time per instance. */
    applyCertificate(instanceId: string): void {
      const order = mustGetInstance(instanceId);
      mustBeInactive(order, 'InvalidStatus.Apply', ': an application is already in progress or done.');
      checkSubmittable(order);
      submitApplication(order, ctx.script.now());
    },

    /** Someone applied in the CAS console (no API call): the order proceeds as after ApplyCertificate. */
    applyByHand(orderId: string, validationMethod: 'DNS' | 'HTTP' = 'DNS'): void {
      const order = book.mustGet(orderId);
      order.instance.application ??= {
        domain: order.domain || undefined,
        csr: undefined,
        validationMethod,
        keyAlgorithm: 'RSA_2048',
        contactIds: [...book.contacts.keys()].slice(0, 1),
        companyId: undefined,
      };
      submitApplication(order, ctx.script.now());
    },

    /** ListContact: the account's contacts, paged. */
    listContacts(page: number, size: number) {
      const all = [...book.contacts.values()];
      return { total: all.length, page: all.slice((page - 1) * size, page * size) };
    },
  };
}

/** The certificates behind orders, as cloud resources serve them. */
export function createCertificateOperations(book: OrderBook, script: ScriptDeps) {
  return {
    /** Whether a certificate ID exists. */
    certificateExists: (certId: string) => book.orderOfCertificate(certId) !== undefined,

    /**
     * A certificate and its key by ID, as a server would serve it: made once for a seeded order (its "old"
     * certificate); undefined when unknown, or when the key is the requester's (a CSR was given).
     */
    async servable(certId: string): Promise<{ certificatePem: string; privateKeyPem: string } | undefined> {
      const order = book.orderOfCertificate(certId);
      if (!order) return undefined;
      order.issued ??= await issueFor(script.ca, order, {
        domain: order.domain,
        notBefore: new Date((order.certStartTime ?? script.now()) - 60_000),
        notAfter: new Date(order.certEndTime ?? script.now() + 30 * dayMs),
      });
      const { certificatePem, privateKeyPem } = order.issued;
      return privateKeyPem ? { certificatePem, privateKeyPem } : undefined;
    },
  };
}
