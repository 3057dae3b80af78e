import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { usage } from '../../src/slack/command-parser.ts';

// The public schema (SchemaStore's slack-app-manifest.json), vendored so that a fresh clone can run this test.
const schema = JSON.parse(
  readFileSync(new URL('../fixtures/slack-app-manifest.schema.json', import.meta.url), 'utf8'),
) as object;
const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
  features: { slash_commands: Array<{ command: string; url: string; usage_hint: string }> };
  settings: { interactivity: { request_url: string }; socket_mode_enabled: boolean };
  oauth_config: { scopes: { bot: string[] } };
};

function validator() {
  // strict: false because SchemaStore schemas use keywords (e.g. markdownDescription) that ajv does not know.
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

describe('manifest.yml', () => {
  it('is valid against the public Slack app manifest schema', () => {
    const validate = validator();

    const valid = validate(manifest);

    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('is rejected by the same validator when broken (the check can fail)', () => {
    const validate = validator();

    expect(validate({ ...manifest, display_information: { name: 'x'.repeat(36) } })).toBe(false);
    expect(validate({ ...manifest, surprise: true })).toBe(false);
  });

  it('declares the one slash command the app registers, sending commands and interactivity to /slack/events', () => {
    const [command, ...others] = manifest.features.slash_commands;

    expect(others).toEqual([]);
    expect(command?.command).toBe('/cert');
    expect(new URL(command?.url ?? '').pathname).toBe('/slack/events');
    expect(new URL(manifest.settings.interactivity.request_url).pathname).toBe('/slack/events');
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    for (const sub of ['renew', 'status', 'list', 'scan', 'help']) {
      expect(command?.usage_hint).toContain(sub);
      expect(usage).toContain(`/cert ${sub}`);
    }
  });

  it('asks for exactly the scopes the README justifies', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

    for (const scope of manifest.oauth_config.scopes.bot)
      expect(readme).toMatch(new RegExp(`\\|\\s*\`${scope.replace('.', '\\.')}\`\\s*\\|`));
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([
      'chat:write',
      'chat:write.public',
      'commands',
      'usergroups:read',
    ]);
  });
});
