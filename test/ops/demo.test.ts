import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';

// The README's third command: the whole flow offline, in two Alibaba accounts (shop and payments). Its own settings go through loadConfig like an operator's,
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
    expect(v1).toContain('*api.shop.example.com* · order `123451222`');
    expect(result.stdout).toMatch(
      /the scan of \d+ V1 orders and 1 V2 subscription alerted 2 expiring certificates/,
    );
  });

  it('tells a V2 rotation: free rotation card, no Renew call, one ApplyCertificate, a new certificate, deployed and served', () => {
    const { v2 } = stories();
    const card = v2.split('#payments-certs  certbot:\n')[1]?.split('\n') ?? [];
    expect(card[0]).toMatch(/^ {2}│ :recycle: \*Free rotation:\*/);
    expect(card[1]).toBe('  │ == Certificate rotation request ==');
    expect(v2).toContain('#payments-certs  @alice: /cert renew cas-ivauto-rot1');
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

  it('acts in two accounts: the Renew call in shop as certbot-<the clicked request>, each alert in its own channel, nothing in the wrong account', () => {
    const { v1, v2 } = stories();
    // The request IDs as the cards' Approve buttons carried them (the demo clicked those cards).
    const shopId = v1.match(/^#shop-certs {2}@bob clicks \[Approve\] on request (\w+) and confirms$/m)?.[1];
    const payId = v2.match(
      /^#payments-certs {2}@bob clicks \[Approve\] on request (\w+) and confirms$/m,
    )?.[1];
    expect(shopId).toMatch(/^\w+$/);
    expect(payId).toMatch(/^\w+$/);
    expect(payId).not.toBe(shopId);

    // The simulator's log of every Renew call: one, in shop, in the session of the clicked request, through shop's role.
    expect(result.stdout.match(/^ {2}⚙ simulator log: RenewCertificateOrderForPackageRequest .*$/gm)).toEqual(
      [
        `  ⚙ simulator log: RenewCertificateOrderForPackageRequest (OrderId 9007199254740993, ok) in account shop as RoleSessionName=certbot-${shopId}; STS issued it for acs:ram::2000000000000002:role/certbot with ExternalId shop-7f3a`,
      ],
    );

    // Where the Slack stand-in saw each alert posted, and what the conversation shows in each channel.
    const alerts = [...result.stdout.matchAll(/^ {2}alert "[^"]+" → (#\S+) \(account (\S+)\): (.+)$/gm)];
    const to = (domain: string) => alerts.filter((m) => m[3]?.split(', ').includes(domain)).map((m) => m[1]);
    expect(to('api.shop.example.com')).toEqual(['#shop-certs']);
    expect(to('pay.example.com')).toEqual(['#payments-certs']);
    const scan = v1.split('(the daily expiry scan runs')[1]?.split('Where the scan posted')[0] ?? '';
    const inChannel = (channel: string) =>
      scan
        .split(/^(?=#\S+ {2}certbot:$)/m)
        .filter((b) => b.startsWith(`${channel}  certbot:`))
        .join('');
    expect(inChannel('#shop-certs')).toContain('*api.shop.example.com*');
    expect(inChannel('#shop-certs')).not.toContain('pay.example.com');
    expect(inChannel('#payments-certs')).toContain('*pay.example.com*');
    expect(inChannel('#payments-certs')).not.toContain('shop.example.com');

    // Every CAS call of each account, counted from the simulator's log: each request acted in its own account only.
    const summary = (name: string) => {
      const line = result.stdout.match(
        new RegExp(`^ {2}${name} \\(#\\S+\\): (\\d+) CAS calls by session: (.+) · (.+)$`, 'm'),
      );
      const pairs = (text = '') =>
        Object.fromEntries(text.split(', ').map((p) => [p.split(' ')[0], Number(p.split(' ')[1])]));
      return { calls: Number(line?.[1]), sessions: pairs(line?.[2]), actions: pairs(line?.[3]) };
    };
    const shop = summary('shop');
    const payments = summary('payments');
    expect(Object.keys(shop.sessions).sort()).toEqual(
      ['certbot-by-U0REQUESTER', `certbot-${shopId}`, 'certbot-scan'].sort(),
    );
    expect(Object.keys(payments.sessions).sort()).toEqual(
      ['certbot-by-U0REQUESTER', `certbot-${payId}`, 'certbot-scan'].sort(),
    );
    expect(shop.actions).toEqual({
      RenewCertificateOrderForPackageRequest: 1,
      ApplyCertificate: 1,
      CreateDeploymentJob: 1,
    });
    expect(payments.actions).toEqual({
      RenewCertificateOrderForPackageRequest: 0,
      ApplyCertificate: 1,
      CreateDeploymentJob: 1,
    });
    expect(shop.calls).toBeGreaterThan(0);
    expect(payments.calls).toBeGreaterThan(0);
    expect(result.stdout).toMatch(
      /^ {2}ops \(the bot's own account\): 0 CAS calls · \d+ STS sessions assumed \(/m,
    );
  });
});
