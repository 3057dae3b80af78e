import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm start with a bad environment', () => {
  it('stops with exit code 1 and one line naming the bad variable, never echoing a secret', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH,
        SLACK_BOT_TOKEN: 'xoxb-secret-value-123',
        SLACK_SIGNING_SECRET: 'signing-secret-value',
        CERT_APPROVERS: 'U0APPROVER',
        PORT: 'eighty',
      },
      encoding: 'utf8',
      timeout: 20_000,
    });

    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'Invalid configuration:\n  - PORT must be an integer from 0 to 65535 (got "eighty")\n',
    );
    expect(result.stdout).toBe('');
  });
});
