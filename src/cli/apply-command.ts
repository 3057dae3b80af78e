import { findPendingInstance } from '../cas/instances.ts';
import { listItems } from '../config/fields.ts';
import { type CommandContext, confirm, pemRequest, print, text } from './cli-io.ts';

/** What `apply` or `rotate` was told: the parts of the application given on the command line. */
export interface ApplyOptions {
  /** Undefined when not given (`apply` then uses DNS, `rotate` the instance's own). */
  method: 'DNS' | 'HTTP' | undefined;
  contacts: string[] | undefined;
  csr: string | undefined;
}

/** `apply`: the application of a pending order, as the bot would submit it, after asking. */
export async function applyCommand(context: CommandContext): Promise<number> {
  const { io, client, endpoint, arg: orderId } = context;
  const options = await applyOptions(context);
  if (typeof options === 'number') return options;
  const application = await pendingApplication(context, options);
  if (typeof application === 'number') return application;
  const { instanceId, domain, csr, keyAlgorithm, contactIds, validationMethod } = application;
  const refused = await confirm(
    context,
    `Apply for order ${orderId} (instance ${instanceId}) at ${endpoint}: ${domain ?? "the CSR's names"}, ${validationMethod} validation, ${csr ? 'your CSR' : `key ${keyAlgorithm} made by CAS`}, contacts ${contactIds.join(',')}? [y/N] `,
    'apply submits an application: add --yes to confirm when not running in a terminal\n',
    'Not applied.\n',
  );
  if (refused !== undefined) return refused;
  await client.updateInstance(application);
  const applied = await client.applyCertificate(instanceId);
  return print(io, {
    orderId,
    instanceId,
    requestId: applied.requestId,
    next: `npm run cas -- instance ${instanceId}`,
  });
}

/** The application options `apply` or `rotate` was given, checked; or the exit code once the bad one is named. */
export async function applyOptions({ io, values }: CommandContext): Promise<ApplyOptions | number> {
  const method = text(values, 'method')?.toUpperCase();
  if (method !== undefined && method !== 'DNS' && method !== 'HTTP') {
    io.stderr.write("--method must be DNS or HTTP (the instance API's names)\n");
    return 2;
  }
  const contactList = text(values, 'contact');
  const contacts = contactList === undefined ? undefined : listItems(contactList);
  if (contacts?.some((c) => !/^[0-9]{1,19}$/.test(c))) {
    io.stderr.write(
      '--contact takes numeric CAS contact IDs, comma-separated (see npm run cas -- contacts)\n',
    );
    return 2;
  }
  const csrFile = text(values, 'csr');
  const csr = csrFile !== undefined ? await io.readFile(csrFile) : undefined;
  if (csr !== undefined && !csr.includes(pemRequest)) {
    io.stderr.write(`${csrFile} is not a PEM certificate request\n`);
    return 2;
  }
  return { method, contacts, csr };
}

/**
 * The application to submit for the order's pending instance: found in CAS, still inactive, with contacts and
 * a domain; or the exit code once what is missing is said.
 */
async function pendingApplication(
  { io, client, arg: orderId, values }: CommandContext,
  { method, contacts, csr }: ApplyOptions,
) {
  const found = await findPendingInstance(client, orderId, text(values, 'domain'));
  if (!found) {
    io.stderr.write(
      `Order ${orderId} is not listed as pending application (Status=PAYED); nothing applied.\n`,
    );
    return 1;
  }
  const detail = await client.getInstanceDetail(found.instanceId);
  if (detail.Status !== 'inactive') {
    io.stderr.write(
      `Instance ${found.instanceId} is ${detail.Status ?? 'not inactive'}: it already has its application.\n`,
    );
    return 1;
  }
  const contactIds = contacts?.length
    ? contacts
    : (await client.listContacts()).slice(0, 1).map((c) => c.ContactId);
  if (contactIds.length === 0) {
    io.stderr.write(
      'No CAS contact: create one in the CAS console (SSL Certificates → Contacts), or pass --contact.\n',
    );
    return 1;
  }
  const domain = text(values, 'domain') ?? found.domain;
  if (!domain && csr === undefined) {
    io.stderr.write('The order is listed without a domain: pass --domain (or --csr).\n');
    return 2;
  }
  const keyAlgorithm = text(values, 'key') ?? 'RSA_2048';
  return {
    instanceId: found.instanceId,
    domain,
    csr,
    validationMethod: method ?? ('DNS' as const),
    keyAlgorithm,
    contactIds,
  };
}
