import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';

// The README's third command: the whole flow offline. Its own settings go through loadConfig like an operator's,
// so a stricter validation rule that the demo's settings break shows up here, not in a user's first run. One run
// of the demo, read by each test below.
let result: SpawnSyncReturns<string>;
beforeAll(() => {
  result = spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/demo/run.ts'], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: process.env.PATH, ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) },
  });
}, 150_000);

/** The printed conversation of the V2 story (after its heading) and what came before it. */
function stories() {
  const [v1 = '', v2 = ''] = result.stdout.split(/^— @alice reads the V2 alert .*$/m);
  return { v1, v2 };
}

describe('npm run demo', () => {
  it('runs the whole flow offline and exits 0 with its summary', () => {
    expect(result.stderr).not.toContain('Invalid configuration');
    expect(result.status).toBe(0);
    expect(stories().v1).toContain('Serving the new certificate on 2 of 2 endpoints.');
    expect(result.stdout).toMatch(
      /Done: CAS renewed 1 order \(1 paid call\), the bot submitted its application \(1 ApplyCertificate\)/,
    );
  });

  it('the scan alerts the V2 certificate at its lifetime threshold, besides the V1 order', () => {
    const { v1 } = stories();
    expect(v1).toContain('== Subscription certificates expiring soon (1) ==');
    expect(v1).toMatch(
      /\*pay\.example\.com\* · instance `cas-ivauto-rot1` · certificate `900000001` · .*14% of its lifetime/,
    );
    expect(v1).toContain('*api.example.com* · order `123451222`');
    expect(result.stdout).toMatch(
      /the scan of \d+ V1 orders and 1 V2 subscription alerted 2 expiring certificates/,
    );
  });

  it('tells a V2 rotation: free rotation card, no Renew call, one ApplyCertificate, a new certificate, deployed and served', () => {
    const { v2 } = stories();
    const card = v2.split('#certs  certbot:\n')[1]?.split('\n') ?? [];
    expect(card[0]).toMatch(/^ {2}│ :recycle: \*Free rotation:\*/);
    expect(card[1]).toBe('  │ == Certificate rotation request ==');
    expect(v2).toContain('#certs  @alice: /cert renew cas-ivauto-rot1');
    expect(v2).toContain('Application submitted for subscription `cas-ivauto-rot1`');
    expect(v2).toContain('• Name: `_dnsauth.pay.example.com`');
    const issued = v2.match(
      /Rotation issued: subscription `cas-ivauto-rot1` has new certificate `(\d+)` \(replacing `900000001`\)/,
    );
    const newCertId = issued?.[1];
    expect(newCertId).toMatch(/^\d+$/);
    expect(newCertId).not.toBe('900000001');
    expect(v2).toContain(`Deploying puts the new certificate (\`${newCertId}\`) on all of them`);
    expect(v2).toContain(
      `✎ card now says: :white_check_mark: Deployed and checked (new certificate \`${newCertId}\`) · serving the new certificate on 2 of 2 endpoints`,
    );
    expect(v2).toContain(
      'thread  certbot: :white_check_mark: Serving the new certificate on 2 of 2 endpoints.',
    );
    // Counted by the demo from the simulator's log of the CAS calls made during the rotation.
    expect(v2).toContain(
      `Rotation of subscription cas-ivauto-rot1: 0 Renew calls, 1 ApplyCertificate, new certificate ${newCertId} (was 900000001), deployed with 1 CAS job; Serving the new certificate on 2 of 2 endpoints.`,
    );
  });
});
