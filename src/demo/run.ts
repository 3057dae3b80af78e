import type { DemoAccount } from './demo-accounts.ts';
import { demoNames, out } from './format.ts';
import { accountSummary, alertLog, renewLog } from './ledger.ts';
import { renewalCast, renewalSeed, tellRenewal } from './renewal-story.ts';
import { rotationCast, rotationSeed, tellRotation } from './rotation-story.ts';
import { startStage } from './stage.ts';

// `npm run demo`: the whole flow offline, in two Alibaba accounts. The real app and worker run against the CAS
// simulator of those accounts (each reached through its RAM role, assumed with the local STS) and a local Slack
// stand-in. The demo plays a V1 renewal from the shop channel, in the shop account (request → approval → DNS
// validation → issued → deployed), the daily expiry scan (each account's alert in its own channel), and a V2
// rotation from the payments channel, in the payments account (free: no Renew call, one ApplyCertificate, a new
// certificate on the same subscription → deployed). It prints the conversation as a person would read it in Slack,
// and from the simulator's log where each call was made and as which session.

const now = Date.now();
const renewal = renewalSeed(renewalCast, now);
const rotation = rotationSeed(rotationCast, now);
const shop: DemoAccount = {
  name: 'shop',
  uid: '2000000000000002',
  channel: 'C0SHOP',
  externalId: 'shop-7f3a',
  ...renewal,
};
const payments: DemoAccount = {
  name: 'payments',
  uid: '3000000000000003',
  channel: 'C0PAY',
  externalId: 'payments-91c2',
  ...rotation,
};
const stage = await startStage({ accounts: [shop, payments], env: process.env });

const timeout = setTimeout(() => {
  process.stderr.write('demo: the stories did not finish within 90 s\n');
  process.exit(1);
}, 90_000);

out('certbot demo: the real app and worker against the CAS simulator and a local Slack stand-in.');
out(
  'Two Alibaba accounts: shop (#shop-certs) and payments (#payments-certs), each reached through its RAM role.',
);
out('\n— A V1 plan order near its end, in the shop account: a paid renewal —');
const renewed = await tellRenewal(stage, renewalCast, shop.channel);
out();
for (const line of renewLog(stage.sim, stage.accounts, renewed.calls)) out(line);

out('\n(the daily expiry scan runs in each account; here, at once)');
const scanFrom = stage.slack.calls.length;
const summary = await stage.worker.alerts.runScan();
out('\nWhere the scan posted each alert:');
for (const line of alertLog(stage.accounts, stage.slack.calls.slice(scanFrom))) out(line);

out(`\n— @alice reads the V2 alert in #${demoNames[payments.channel]} and asks for a rotation —`);
const rotated = await tellRotation(stage, rotationCast, payments.channel);

out(
  `\nDone: CAS renewed ${stage.sim.account(shop.name).renewCount()} order (${renewed.renewCalls} paid call), the bot submitted its application (${renewed.applyCalls} ApplyCertificate), deployed the certificate with ${renewed.deployJobs} CAS job and saw it served over TLS, and the scan of ${summary.scanned} V1 orders and ${summary.instances} V2 subscription alerted ${summary.alerted} expiring certificates.`,
);
out(
  `Rotation of subscription ${rotationCast.instanceId}: ${rotated.renewCalls} Renew calls, ${rotated.applyCalls} ApplyCertificate, new certificate ${rotated.newCertId} (was ${rotationCast.certId}), deployed with ${rotated.deployJobs} CAS job; ${rotated.serving.replace(/^:\w+: /, '')}`,
);
out('\nCalls by account, from the simulator log:');
for (const line of accountSummary(stage.sim, stage.accounts)) out(line);

clearTimeout(timeout);
await stage.stop();
