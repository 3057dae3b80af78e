import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCasClientFromConfig, credentialsRefreshMs } from '../../src/cas/from-config.ts';
import { loadCasConfig } from '../../src/config/config.ts';
import { startCasSim } from '../support/cas.ts';

type Harness = Awaited<ReturnType<typeof startCasSim>>;
let harness: Harness | undefined;
let home: string | undefined;
afterEach(async () => {
  await harness?.close();
  if (home) rmSync(home, { recursive: true, force: true });
  harness = undefined;
});

function writeCliConfig(dir: string, id: string, secret: string): void {
  mkdirSync(join(dir, '.aliyun'), { recursive: true });
  writeFileSync(
    join(dir, '.aliyun', 'config.json'),
    JSON.stringify({
      current: 'default',
      profiles: [{ name: 'default', mode: 'AK', access_key_id: id, access_key_secret: secret }],
    }),
  );
}

describe('credentials from files', () => {
  it('are read again after the refresh interval, so a rotated key is used without a restart', async () => {
    harness = await startCasSim({
      accessKeys: [
        { accessKeyId: 'oldKeyId', accessKeySecret: 'oldSecret' },
        { accessKeyId: 'newKeyId', accessKeySecret: 'newSecret' },
      ],
    });
    home = mkdtempSync(join(tmpdir(), 'certbot-home-'));
    writeCliConfig(home, 'oldKeyId', 'oldSecret');
    let now = 1_000_000;
    const client = createCasClientFromConfig(loadCasConfig({ CAS_ENDPOINT: harness.url }), {
      env: {},
      homeDir: home,
      now: () => now,
    });
    await client.describePackageState();

    writeCliConfig(home, 'newKeyId', 'newSecret');
    await client.describePackageState();
    now += credentialsRefreshMs + 1;
    await client.describePackageState();

    expect(harness.sim.calls.map((c) => c.accessKeyId)).toEqual(['oldKeyId', 'oldKeyId', 'newKeyId']);
  });
});
