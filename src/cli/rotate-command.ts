import { casOutcome, casReason, errorCode } from '../cas/errors.ts';
import type { InstanceApplication } from '../cas/instance-api.ts';
import type { GetInstanceDetailResponse } from '../cas/instance-schemas.ts';
import { type ApplicationSetting, applicationChanges } from '../cas/instance-settings.ts';
import { isAppError } from '../errors.ts';
import { applyOptions } from './apply-command.ts';
import { type CommandContext, confirm, print, text } from './cli-io.ts';

// `rotate <instanceId>`: the next certificate of a V2.0 subscription (reference §10), as an operator would ask for it
// in the console: UpdateInstance only when the settings differ, then ApplyCertificate once, then the task's state.

/** The usage lines of `rotate` (part of `npm run cas -- --help`). */
export const rotateUsage = `  rotate <instanceId> [--domain D] [--method DNS|HTTP] [--contact ID,…] [--key ALG] [--csr FILE]
         [--force] [--yes]             a V2.0 subscription's next certificate (no plan quota): UpdateInstance
                                       when the settings differ, then ApplyCertificate once (asks first;
                                       a hosted instance only with --force)`;

/** Subscription statuses that take no application: the subscription itself ended (a purchase decision). */
const endedStatuses: Readonly<Record<string, string>> = {
  refund: 'refunded',
  closed: 'closed',
  expired: 'expired',
};

/** The application `rotate` will submit, and what in it differs from the instance now. */
interface Rotation {
  application: InstanceApplication;
  /** The key stays the CSR already uploaded to the instance (GenerateCsrMethod=upload, no --csr or --key). */
  keepsInstanceCsr: boolean;
  /** Empty: no UpdateInstance. */
  changes: ApplicationSetting[];
}

/** `rotate`: shows what it will do, asks, then applies once on the instance and reads the task once. */
export async function rotateCommand(context: CommandContext): Promise<number> {
  const { io, endpoint, arg: instanceId, values } = context;
  const options = await applyOptions(context);
  if (typeof options === 'number') return options;
  const detail = await readInstance(context);
  if (typeof detail === 'number') return detail;
  const refused = refusal(detail, instanceId, values.force === true);
  if (refused !== undefined) {
    io.stderr.write(refused);
    return 1;
  }
  const rotation = await plannedRotation(context, detail, options);
  if (typeof rotation === 'number') return rotation;
  io.stderr.write(planText(endpoint, detail, rotation, Date.now()));
  const declined = await confirm(
    context,
    `Apply for a new certificate on instance ${instanceId}? [y/N] `,
    'rotate submits an application: add --yes to confirm when not running in a terminal\n',
    'Not applied.\n',
  );
  if (declined !== undefined) return declined;
  return submit(context, detail, rotation);
}

/** GetInstanceDetail of the instance; an instance CAS does not know is said plainly (exit code 1). */
async function readInstance({ io, client, endpoint, arg }: CommandContext) {
  try {
    return await client.getInstanceDetail(arg);
  } catch (err) {
    const reason = casReason(err);
    if (reason !== 'not_found' && reason !== 'unknown_instance') throw err;
    io.stderr.write(
      `CAS at ${endpoint} has no instance ${arg} (${errorCode(err)}): check the ID with npm run cas -- instances.\n`,
    );
    return 1;
  }
}

/** Why no application may be submitted on the instance now, as a line to print; undefined when one may. */
function refusal(detail: GetInstanceDetailResponse, id: string, force: boolean): string | undefined {
  const status = detail.Status ?? '';
  const ended = endedStatuses[status];
  if (ended !== undefined)
    return `Instance ${id} is ${ended} (Status=${status}): the subscription has ended, so it takes no application. A new certificate needs a new purchase in the CAS console. Nothing applied.\n`;
  if (status === 'pending')
    return `Instance ${id} already has an application under way (Status=pending${detail.PendingResult ? `: ${detail.PendingResult}` : ''}). Follow it with npm run cas -- instance ${id}, or withdraw it in the CAS console first. Nothing applied.\n`;
  if (detail.AutoReissue === 'enable' && !force)
    return `Instance ${id} is hosted (AutoReissue=enable): CAS applies for its next certificate by itself 30 days before the end. Nothing applied; add --force to apply by hand anyway (e.g. when hosting did not rotate it).\n`;
  return undefined;
}

/** The instance's method when it is one UpdateInstance takes. */
const methodOf = (detail: GetInstanceDetailResponse) =>
  detail.ValidationMethod === 'DNS' || detail.ValidationMethod === 'HTTP'
    ? detail.ValidationMethod
    : undefined;

/**
 * The application to submit: each setting as given on the command line, else as the instance has it now (contacts:
 * else the first CAS contact); or the exit code once what is missing is said.
 */
async function plannedRotation(
  { io, client, arg: instanceId, values }: CommandContext,
  detail: GetInstanceDetailResponse,
  options: Exclude<Awaited<ReturnType<typeof applyOptions>>, number>,
): Promise<Rotation | number> {
  const domain = text(values, 'domain') ?? detail.Domain;
  if (!domain && options.csr === undefined) {
    io.stderr.write(`Instance ${instanceId} has no domain yet: pass --domain (or --csr).\n`);
    return 2;
  }
  const contactIds = options.contacts?.length
    ? options.contacts
    : detail.ContactIdList?.length
      ? detail.ContactIdList
      : (await client.listContacts()).slice(0, 1).map((c) => c.ContactId);
  if (contactIds.length === 0) {
    io.stderr.write(
      'No CAS contact: create one in the CAS console (SSL Certificates → Contacts), or pass --contact.\n',
    );
    return 1;
  }
  const key = text(values, 'key');
  const keepsInstanceCsr =
    options.csr === undefined && key === undefined && detail.GenerateCsrMethod === 'upload';
  const application: InstanceApplication = {
    instanceId,
    domain,
    csr: options.csr,
    validationMethod: options.method ?? methodOf(detail) ?? 'DNS',
    keyAlgorithm: options.csr === undefined ? (key ?? detail.KeyAlgorithm ?? 'RSA_2048') : undefined,
    contactIds,
    companyId: detail.CompanyId,
  };
  const changes = applicationChanges(detail, application, { keepsInstanceCsr });
  if (keepsInstanceCsr && changes.length > 0) {
    io.stderr.write(
      `Instance ${instanceId} uses your CSR (GenerateCsrMethod=upload): changing its ${changes.join(', ')} takes UpdateInstance, which needs the CSR again. Pass --csr FILE (or --key ALG for a key made by CAS).\n`,
    );
    return 2;
  }
  return { application, keepsInstanceCsr, changes };
}

/** An instant as UTC, or `unknown`. */
const iso = (ms: number | undefined) => (ms === undefined ? 'unknown' : new Date(ms).toISOString());

/** What `rotate` will do, for the operator to read before saying yes. */
function planText(endpoint: string, detail: GetInstanceDetailResponse, r: Rotation, now: number): string {
  const a = r.application;
  const notAfter = detail.CertificateNotAfter;
  const daysLeft = notAfter === undefined ? undefined : Math.floor((notAfter - now) / 86_400_000);
  const certificate = detail.CertificateId
    ? `${detail.CertificateId} (${detail.CertificateStatus ?? 'status unknown'}), not after ${iso(notAfter)}${daysLeft === undefined ? '' : `, ${daysLeft} days left`}`
    : 'none issued yet';
  const key =
    a.csr !== undefined
      ? 'your CSR (--csr)'
      : r.keepsInstanceCsr
        ? 'the CSR already on the instance (the same key pair)'
        : `made by CAS (${a.keyAlgorithm})`;
  const steps = r.changes.length
    ? `UpdateInstance (changes: ${r.changes.join(', ')}), then ApplyCertificate once`
    : 'ApplyCertificate once (the settings are unchanged: no UpdateInstance)';
  return [
    `Rotate instance ${a.instanceId} at ${endpoint}: a new certificate on the same subscription (no plan quota).`,
    `  domain:       ${a.domain ?? "the CSR's names"}`,
    `  certificate:  ${certificate}`,
    `  subscription: ${detail.Status ?? 'status unknown'}, ends ${iso(detail.OrderEndTime)}`,
    ...(detail.AutoReissue === 'enable'
      ? ['  hosted:       yes (AutoReissue=enable); applying by hand (--force)']
      : []),
    `  method:       ${a.validationMethod} validation`,
    `  key:          ${key}`,
    `  contacts:     ${a.contactIds.join(', ')}`,
    `  steps:        ${steps}`,
    '',
  ].join('\n');
}

/** UpdateInstance when needed, ApplyCertificate once, then the task's state once; prints the result. */
async function submit(
  { io, client }: CommandContext,
  detail: GetInstanceDetailResponse,
  r: Rotation,
): Promise<number> {
  const id = r.application.instanceId;
  if (r.changes.length > 0) await client.updateInstance(r.application);
  const applied = await client.applyCertificate(id).catch((err: unknown) => {
    if (casOutcome(err) === 'unknown')
      io.stderr.write(
        `ApplyCertificate's outcome is unknown: CAS may have taken the application. Check npm run cas -- instance ${id} (Status=pending) before applying again.\n`,
      );
    throw err;
  });
  // The application is in; a task CAS cannot show now is reported, not an error (apply is not to be repeated).
  const task = await client.getTaskAttribute(id).catch((err: unknown) => {
    if (!isAppError(err)) throw err;
    return { TaskStatus: 'unknown', TaskMessage: `GetTaskAttribute failed (${errorCode(err)})` };
  });
  print(io, {
    instanceId: id,
    previousCertificateId: detail.CertificateId ?? null,
    updated: r.changes,
    requestId: applied.requestId,
    taskStatus: task.TaskStatus,
    ...(task.TaskMessage ? { taskMessage: task.TaskMessage } : {}),
    next: `npm run cas -- instance ${id}`,
  });
  if (task.TaskStatus !== 'failed') return 0;
  io.stderr.write(`CAS refused the application: ${task.TaskMessage ?? 'no reason given'}\n`);
  return 1;
}
