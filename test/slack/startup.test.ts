import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type PrivateRedis, startRedisServer } from '../support/redis-server.ts';

describe('npm start with a bad environment', () => {
  // What `npm start` runs: the service compiled by `npm run build` (here into a directory of its own), without
  // a TypeScript loader.
  let outDir: string | undefined;
  afterEach(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
    outDir = undefined;
  });

  it('stops with exit code 1 and one line naming the bad variable, never echoing a secret', () => {
    // Inside the checkout, so that the compiled code finds node_modules as dist/ does.
    outDir = mkdtempSync(join(process.cwd(), '.dist-test-'));
    const build = spawnSync(
      process.execPath,
      [
        'node_modules/typescript/bin/tsc',
        '-p',
        'tsconfig.build.json',
        '--outDir',
        outDir,
        '--incremental',
        'false',
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(build.stdout + build.stderr).toBe('');
    const result = spawnSync(process.execPath, [join(outDir, 'main.js')], {
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
    // Compiling the whole service takes most of this on a busy 2-core machine; the build's own bound is 120 s.
  }, 150_000);
});

describe('npm run worker against a Redis without AOF', () => {
  let redis: PrivateRedis | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it('stops with exit code 1 and says which Redis setting to change (or how to opt out)', async () => {
    redis = await startRedisServer({ appendOnly: false });

    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', '--role', 'worker'], {
      env: {
        PATH: process.env.PATH,
        SLACK_BOT_TOKEN: 'xoxb-secret-value-123',
        SLACK_SIGNING_SECRET: 'signing-secret-value',
        CERT_APPROVERS: 'U0APPROVER',
        REDIS_URL: redis.url,
        METRICS_PORT: '0',
        LOG_LEVEL: 'error',
      },
      encoding: 'utf8',
      timeout: 20_000,
    });

    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /AOF is off \(appendonly no\).*appendonly yes.*CERT_REQUIRE_DURABLE_REDIS=false/,
    );
    expect(result.stderr).not.toContain('secret-value');
  }, 30_000);
});
