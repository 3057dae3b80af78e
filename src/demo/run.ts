import { demoNames, out } from './format.ts';
import { renewalCast, renewalSeed, tellRenewal } from './renewal-story.ts';
import { rotationCast, rotationSeed, tellRotation } from './rotation-story.ts';
import { joinSeeds, startStage } from './stage.ts';

// `npm run demo`: the whole flow offline. The real app and worker run against the CAS simulator and a local
// Slack stand-in; the demo plays a V1 renewal (request → approval → DNS validation → issued → deployed), the daily
// expiry scan (a V1 order and a V2 certificate alerted), and a V2 rotation of that certificate (free: no Renew
// call, one ApplyCertificate, a new certificate on the same subscription → deployed), and prints the conversation
// as a person would read it in Slack.

const channel = 'C0CERTS';
const alertChannel = 'C0ALERTS';
const now = Date.now();
const renewal = renewalSeed(renewalCast, now);
const rotation = rotationSeed(rotationCast, now);
const stage = await startStage({
  seed: joinSeeds(renewal.seed, rotation.seed),
  tlsDomains: [...renewal.tlsDomains, ...rotation.tlsDomains],
  alertChannel,
  env: process.env,
});

const timeout = setTimeout(() => {
  process.stderr.write('demo: the stories did not finish within 90 s\n');
  process.exit(1);
}, 90_000);

out('certbot demo: the real app and worker against the CAS simulator and a local Slack stand-in.');
out('\n— A V1 plan order near its end: a paid renewal —');
const renewed = await tellRenewal(stage, renewalCast, channel);

out('\n(the daily expiry scan runs; here, at once)');
const summary = await stage.worker.alerts.runScan();

out(`\n— @alice reads the V2 alert in #${demoNames[alertChannel]} and asks for a rotation —`);
const rotated = await tellRotation(stage, rotationCast, channel);

out(
  `\nDone: CAS renewed ${stage.sim.renewCount()} order (${renewed.renewCalls} paid call), the bot submitted its application (${renewed.applyCalls} ApplyCertificate), deployed the certificate with ${renewed.deployJobs} CAS job and saw it served over TLS, and the scan of ${summary.scanned} V1 orders and ${summary.instances} V2 subscription alerted ${summary.alerted} expiring certificates.`,
);
out(
  `Rotation of subscription ${rotationCast.instanceId}: ${rotated.renewCalls} Renew calls, ${rotated.applyCalls} ApplyCertificate, new certificate ${rotated.newCertId} (was ${rotationCast.certId}), deployed with ${rotated.deployJobs} CAS job; ${rotated.serving.replace(/^:\w+: /, '')}`,
);

clearTimeout(timeout);
await stage.stop();
