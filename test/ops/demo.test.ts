import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm run demo', () => {
  // The README's third command: the whole flow offline. Its own settings go through loadConfig like an operator's,
  // so a stricter validation rule that the demo's settings break shows up here, not in a user's first run.
  it('runs the whole flow offline and exits 0 with its summary', () => {
    const result = spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/demo/run.ts'], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { PATH: process.env.PATH, ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) },
    });

    expect(result.stderr).not.toContain('Invalid configuration');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Serving the new certificate on 2 of 2 endpoints.');
    expect(result.stdout).toMatch(/Done: CAS renewed 1 order \(one paid call\)/);
  }, 150_000);
});
