import { readFile as fsReadFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors.ts';
import type { Credentials } from './signing/sign-v3.ts';

/** Credentials plus where they came from (a place, never a value), for start-up logs and errors. */
export interface ResolvedCredentials {
  credentials: Credentials;
  source: string;
}

/** What the resolver may read; injected so tests never touch the real home folder. */
export interface CredentialsDeps {
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  readFile?: (path: string) => Promise<string>;
}

const notFound = Symbol('not found');

async function readIfExists(
  read: (path: string) => Promise<string>,
  path: string,
): Promise<string | typeof notFound> {
  try {
    return await read(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return notFound;
    throw new AppError('CREDENTIALS_INVALID', `Cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** `~/.aliyun/config.json` (the aliyun CLI's), modes `AK` and `StsToken`. */
function fromCliConfig(text: string, path: string, profileName: string | undefined): Credentials | undefined {
  let parsed: { current?: unknown; profiles?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new AppError('CREDENTIALS_INVALID', `${path} is not valid JSON`);
  }
  const name = profileName ?? (nonEmpty(parsed.current) ? parsed.current : 'default');
  const profiles = Array.isArray(parsed.profiles) ? (parsed.profiles as Record<string, unknown>[]) : [];
  const profile = profiles.find((p) => p.name === name);
  if (profile === undefined) return undefined;
  const mode = profile.mode;
  if (mode !== 'AK' && mode !== 'StsToken') {
    throw new AppError(
      'CREDENTIALS_INVALID',
      `${path} profile "${name}" has mode ${String(mode)}; only AK and StsToken are supported (set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET instead)`,
    );
  }
  if (!nonEmpty(profile.access_key_id) || !nonEmpty(profile.access_key_secret)) {
    throw new AppError(
      'CREDENTIALS_INVALID',
      `${path} profile "${name}" lacks access_key_id or access_key_secret`,
    );
  }
  if (mode === 'StsToken' && !nonEmpty(profile.sts_token)) {
    throw new AppError(
      'CREDENTIALS_INVALID',
      `${path} profile "${name}" is StsToken mode but has no sts_token`,
    );
  }
  return {
    accessKeyId: profile.access_key_id,
    accessKeySecret: profile.access_key_secret,
    securityToken: mode === 'StsToken' ? (profile.sts_token as string) : undefined,
  };
}

/** Parses an INI file into sections of key/value pairs (`;` and `#` start comments). */
function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const header = line.match(/^\[(.+)\]$/);
    if (header?.[1] !== undefined) {
      current = new Map();
      sections.set(header[1].trim(), current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && current) current.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return sections;
}

/** `~/.alibabacloud/credentials` (INI), type `access_key`. */
function fromIni(text: string, path: string, profileName: string): Credentials | undefined {
  const section = parseIni(text).get(profileName);
  if (section === undefined) return undefined;
  const type = section.get('type') ?? 'access_key';
  if (type !== 'access_key') {
    throw new AppError(
      'CREDENTIALS_INVALID',
      `${path} section [${profileName}] has type ${type}; only access_key is supported (set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET instead)`,
    );
  }
  const id = section.get('access_key_id');
  const secret = section.get('access_key_secret');
  if (!nonEmpty(id) || !nonEmpty(secret)) {
    throw new AppError(
      'CREDENTIALS_INVALID',
      `${path} section [${profileName}] lacks access_key_id or access_key_secret`,
    );
  }
  return { accessKeyId: id, accessKeySecret: secret };
}

/**
 * Finds credentials in the order of Alibaba's own default chain (the static parts of it):
 * 1. `ALIBABA_CLOUD_ACCESS_KEY_ID` + `ALIBABA_CLOUD_ACCESS_KEY_SECRET` (+ `ALIBABA_CLOUD_SECURITY_TOKEN`);
 * 2. `~/.aliyun/config.json`, profile `ALIBABA_CLOUD_PROFILE`, else its `current` (skipped when
 *    `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`);
 * 3. `~/.alibabacloud/credentials` (or `ALIBABA_CLOUD_CREDENTIALS_FILE`), section `ALIBABA_CLOUD_PROFILE`, else `default`.
 * Throws `CREDENTIALS_MISSING` naming every place it looked, or `CREDENTIALS_INVALID` for a broken file.
 */
export async function resolveCredentials(deps: CredentialsDeps): Promise<ResolvedCredentials> {
  const { env } = deps;
  const read = deps.readFile ?? ((path: string) => fsReadFile(path, 'utf8'));
  const looked: string[] = [];

  const id = env.ALIBABA_CLOUD_ACCESS_KEY_ID?.trim();
  const secret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET?.trim();
  if (nonEmpty(id) && nonEmpty(secret)) {
    const token = env.ALIBABA_CLOUD_SECURITY_TOKEN?.trim();
    return {
      credentials: {
        accessKeyId: id,
        accessKeySecret: secret,
        securityToken: nonEmpty(token) ? token : undefined,
      },
      source: 'environment',
    };
  }
  looked.push('environment (ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET): not set');

  const profile = nonEmpty(env.ALIBABA_CLOUD_PROFILE) ? env.ALIBABA_CLOUD_PROFILE.trim() : undefined;

  if (env.ALIBABA_CLOUD_CLI_PROFILE_DISABLED?.toLowerCase() !== 'true') {
    const cliPath = join(deps.homeDir, '.aliyun', 'config.json');
    const text = await readIfExists(read, cliPath);
    if (text === notFound) {
      looked.push(`${cliPath}: not found`);
    } else {
      const creds = fromCliConfig(text, cliPath, profile);
      if (creds) return { credentials: creds, source: cliPath };
      looked.push(`${cliPath}: no profile "${profile ?? 'current'}"`);
    }
  }

  const iniPath = nonEmpty(env.ALIBABA_CLOUD_CREDENTIALS_FILE)
    ? env.ALIBABA_CLOUD_CREDENTIALS_FILE.trim()
    : join(deps.homeDir, '.alibabacloud', 'credentials');
  const ini = await readIfExists(read, iniPath);
  if (ini === notFound) {
    looked.push(`${iniPath}: not found`);
  } else {
    const creds = fromIni(ini, iniPath, profile ?? 'default');
    if (creds) return { credentials: creds, source: iniPath };
    looked.push(`${iniPath}: no section [${profile ?? 'default'}]`);
  }

  throw new AppError(
    'CREDENTIALS_MISSING',
    `No Alibaba Cloud credentials found. Looked in:\n${looked.map((l) => `  - ${l}`).join('\n')}`,
  );
}
