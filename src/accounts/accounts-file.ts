import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type AlertRoute, parseAlertRoutes } from '../config/alert-routes.ts';
import { AppError } from '../errors.ts';

// The accounts file (`CERT_ACCOUNTS`): one entry per Alibaba account, each with its channels, the RAM role the bot
// assumes there (STS AssumeRole) and its approver lists. Validated once at start-up; a bad file stops the process
// with a line naming the account and the field.

const slackIds = z.array(
  z.string().regex(/^[UWS][A-Z0-9]{2,20}$/, 'must be Slack user (U…/W…) or group (S…) IDs'),
);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** One account as the file gives it. */
const AccountEntry = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be 1-32 lowercase letters, digits or dashes'),
  /** `acs:ram::<account id>:role/<role name>` (STS AssumeRole's `RoleArn` format). */
  roleArn: z
    .string()
    .regex(
      /^acs:ram::[0-9]{1,20}:role\/[A-Za-z0-9.@_-]{1,64}$/,
      'must be a RAM role ARN, acs:ram::<account id>:role/<name>',
    ),
  /** STS `ExternalId`: 2 to 1,224 characters of `[\w+=,.@:/-]` (the STS SDK model's rule). */
  externalId: z
    .string()
    .regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2-1224 letters, digits or = , . @ : / - _ +')
    .optional(),
  endpoint: httpUrl.optional(),
  channels: z
    .array(z.string().regex(/^[CG][A-Z0-9]{2,20}$/, 'must be Slack channel IDs such as C0123ABCD'))
    .min(1, 'must list at least one channel ID'),
  alertRoutes: z.string().optional(),
  approvers: slackIds.optional(),
  rotationApprovers: slackIds.optional(),
  approvalsRequired: z.number().int().min(1).max(6).optional(),
  /** Distinct approvers a rotation needs here (free, so 1 unless the account says otherwise). */
  rotationApprovalsRequired: z.number().int().min(1).max(6).optional(),
  /** STS session length, seconds: 900 to 3,600. @defaultValue 3600 */
  durationSeconds: z.number().int().min(900).max(3600).optional(),
});

const AccountsFileShape = z.strictObject({
  /** STS endpoint. @defaultValue https://sts.aliyuncs.com */
  stsEndpoint: httpUrl.optional(),
  accounts: z.array(AccountEntry).min(1, 'must list at least one account'),
});

/** One Alibaba account the bot acts in: which channels belong to it, how it is reached, who approves there. */
export interface Account {
  name: string;
  /** The role assumed through STS; undefined: the base credentials act directly (no accounts file). */
  roleArn: string | undefined;
  externalId: string | undefined;
  /** CAS endpoint (the site). */
  endpoint: string;
  /** Channels whose commands act here; `any` for the one account without an accounts file. */
  channels: readonly string[] | 'any';
  /** Where alerts go when no route matches: the first channel (or CERT_ALERT_CHANNEL without a file). */
  alertChannel: string | undefined;
  alertRoutes: readonly AlertRoute[];
  /** Who may approve money decisions here; undefined: CERT_APPROVERS. */
  approvers: readonly string[] | undefined;
  /** Who may approve rotations and deployments here; undefined: CERT_ROTATION_APPROVERS. */
  rotationApprovers: readonly string[] | undefined;
  /** Distinct approvers a money decision needs; undefined: CERT_APPROVALS_REQUIRED. */
  approvalsRequired: number | undefined;
  /** Distinct approvers a rotation needs here; undefined: one. */
  rotationApprovalsRequired: number | undefined;
  /** STS session length, seconds. */
  durationSeconds: number;
}

/** The accounts as the file gives them, with the STS endpoint. */
export interface AccountsFile {
  stsEndpoint: string;
  accounts: Account[];
}

/** Where an issue is: `account "shop-prod" (accounts[0]) roleArn`, or the top-level key. */
function placeOf(raw: unknown, path: readonly PropertyKey[]): string {
  if (path[0] !== 'accounts' || typeof path[1] !== 'number') return path.map(String).join('.') || 'file';
  const entry = (raw as { accounts?: Array<{ name?: unknown }> }).accounts?.[path[1]];
  const name = typeof entry?.name === 'string' ? `"${entry.name.slice(0, 40)}" ` : '';
  const field = path.slice(2).map(String).join('.');
  return `account ${name}(accounts[${path[1]}])${field ? ` field ${field}` : ''}`;
}

const invalid = (file: string, lines: string[]) =>
  new AppError(
    'CONFIG_INVALID',
    `CERT_ACCOUNTS ${file} is invalid:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
  );

/** Rules across accounts: unique names, a channel in one account only, routes well formed. */
function crossAccountProblems(entries: z.infer<typeof AccountEntry>[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const owner = new Map<string, string>();
  entries.forEach((a, i) => {
    const at = `account "${a.name}" (accounts[${i}])`;
    if (names.has(a.name)) problems.push(`${at} field name: is used by an earlier account`);
    names.add(a.name);
    for (const c of a.channels) {
      const other = owner.get(c);
      if (other !== undefined && other !== a.name)
        problems.push(`${at} field channels: ${c} already belongs to account "${other}"`);
      owner.set(c, a.name);
    }
    const routes = parseAlertRoutes(a.alertRoutes ?? '');
    if ('problem' in routes) problems.push(`${at} field alertRoutes: ${routes.problem}`);
    // An alert's Renew button opens a request in the channel it is in: that channel must be the account's own.
    const foreign = 'routes' in routes ? routes.routes.filter((r) => !a.channels.includes(r.channel)) : [];
    if (foreign.length > 0)
      problems.push(
        `${at} field alertRoutes: ${foreign.map((r) => r.channel).join(', ')} must be among the account's channels`,
      );
  });
  return problems;
}

/**
 * Parses and validates the accounts file's text. Throws `CONFIG_INVALID` with a line per problem, each naming the
 * account (its name and index) and the field; `defaults.endpoint` is the CAS endpoint of accounts that give none.
 */
export function parseAccountsFile(text: string, file: string, defaults: { endpoint: string }): AccountsFile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw invalid(file, [`not YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  const parsed = AccountsFileShape.safeParse(raw);
  if (!parsed.success) {
    throw invalid(
      file,
      parsed.error.issues.map((i) => `${placeOf(raw, i.path)}: ${i.message}`),
    );
  }
  const problems = crossAccountProblems(parsed.data.accounts);
  if (problems.length > 0) throw invalid(file, problems);
  return {
    stsEndpoint: parsed.data.stsEndpoint ?? 'https://sts.aliyuncs.com',
    accounts: parsed.data.accounts.map((a) => ({
      name: a.name,
      roleArn: a.roleArn,
      externalId: a.externalId,
      endpoint: a.endpoint ?? defaults.endpoint,
      channels: a.channels,
      alertChannel: a.channels[0],
      alertRoutes: (parseAlertRoutes(a.alertRoutes ?? '') as { routes: AlertRoute[] }).routes,
      approvers: a.approvers,
      rotationApprovers: a.rotationApprovers,
      approvalsRequired: a.approvalsRequired,
      rotationApprovalsRequired: a.rotationApprovalsRequired,
      durationSeconds: a.durationSeconds ?? 3600,
    })),
  };
}

/** Reads and parses the accounts file at `path` (see {@link parseAccountsFile}); an unreadable file is invalid. */
export async function loadAccountsFile(
  path: string,
  read: (path: string) => Promise<string>,
  defaults: { endpoint: string },
): Promise<AccountsFile> {
  const text = await read(path).catch((err: unknown) => {
    throw invalid(path, [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  });
  return parseAccountsFile(text, path, defaults);
}
