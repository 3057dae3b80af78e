import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { createCasClient } from '../cas/client.ts';
import { casRateLimits, createRedisPacer } from '../cas/pacer.ts';
import { createCasSimulator } from '../cas-sim/server.ts';
import { loadConfig } from '../config/config.ts';
import { findOrStartRedis } from '../dev/redis-server.ts';
import { blockActionBody, signedSlackHeaders, slashCommandBody } from '../dev/slack-payloads.ts';
import { startTlsEndpoints } from '../dev/tls-endpoints.ts';
import { createLogger } from '../logging.ts';
import { startAppRole } from '../roles/app-role.ts';
import { startWorkerRole } from '../roles/worker-role.ts';
import { createSlackStandIn, type SlackCall } from '../slack-standin/server.ts';
import { blocksToLines, demoNames, indent, mrkdwnToText } from './format.ts';

// `npm run demo`: the whole flow offline. The real app and worker run against the CAS simulator and a local
// Slack stand-in; the demo plays a renewal (request → approval → DNS validation → issued) and an expiry alert,
// and prints the conversation as a person would read it in Slack.

const out = (line = '') => process.stdout.write(`${line}\n`);
const day = 86_400_000;
const botToken = 'xoxb-demo-bot-token';
const signingSecret = 'demo-signing-secret';
const demoKey = { accessKeyId: 'demoAccessKeyId', accessKeySecret: 'demoAccessKeySecret' };
const renewOrderId = '9007199254740993';

const redisFound = await findOrStartRedis(process.env);
const prefix = `demo-${randomUUID().slice(0, 8)}`;
const sim = createCasSimulator({
  seed: {
    accessKeys: [demoKey],
    // The simulator is strict: the renewed order waits for its application, which needs a CAS contact.
    contacts: [{ contactId: '1001', name: 'Platform team', email: 'platform@example.com' }],
    packages: [{ productCode: 'digicert-dv-1-plan', totalCount: 20, usedCount: 7 }],
    resources: [
      {
        id: '601',
        cloudProduct: 'CDN',
        domain: 'shop.example.com',
        regionId: 'cn-hangzhou',
        servesOrder: renewOrderId,
      },
      {
        id: '602',
        cloudProduct: 'ALB',
        domain: 'www.shop.example.com',
        regionId: 'cn-shanghai',
        servesOrder: renewOrderId,
      },
    ],
    orders: [
      {
        orderId: renewOrderId,
        domain: 'shop.example.com',
        status: 'WILLEXPIRED',
        productName: 'DigiCert DV SSL (plan)',
        productCode: 'digicert-dv-1-plan',
        certEndTime: Date.now() + 12 * day,
        renewScript: [
          { type: 'payed', validation: 'DNS', polls: 1 },
          { type: 'domain_verify', validation: 'DNS', polls: 3 },
          { type: 'process', validation: 'DNS', polls: 2 },
          { type: 'certificate', validation: 'DNS', polls: 1 },
        ],
      },
      {
        orderId: '123451222',
        domain: 'api.example.com',
        status: 'ISSUED',
        productName: 'DigiCert DV SSL (plan)',
        productCode: 'digicert-dv-1-plan',
        certEndTime: Date.now() + 6 * day + 3_600_000,
      },
    ],
  },
});
const casUrl = await sim.listen();
// Real TLS endpoints for the two resources that serve the old certificate; they serve whatever the simulator's
// resources serve, so the TLS check sees the deployment happen.
const endpoints = await startTlsEndpoints(() => sim, ['shop.example.com', 'www.shop.example.com']);
const slack = createSlackStandIn({ botToken });
await slack.listen();

const config = loadConfig({
  SLACK_BOT_TOKEN: botToken,
  SLACK_SIGNING_SECRET: signingSecret,
  SLACK_API_URL: slack.apiUrl,
  PORT: '0',
  METRICS_PORT: '0',
  REDIS_URL: redisFound.url,
  CERT_REDIS_PREFIX: prefix,
  CAS_ENDPOINT: casUrl,
  CERT_APPROVERS: 'U0APPROVER',
  CERT_POLL_MIN_SECONDS: '0.3',
  CERT_POLL_MAX_SECONDS: '0.3',
  // The smallest settle time the config accepts (0 is refused since dfbf736): the demo stays fast.
  CERT_RECONCILE_SETTLE_SECONDS: '0.1',
  CERT_ALERT_CHANNEL: 'C0ALERTS',
  CERT_DEPLOY: 'ask',
  CERT_DEPLOY_PRODUCTS: 'CDN,ALB',
  CERT_TLS_RESOLVE: endpoints.resolve,
  // A demo against simulators: it runs on any local Redis, AOF or not.
  CERT_REQUIRE_DURABLE_REDIS: 'false',
});
// The bot's own logs would drown the conversation: only warnings and errors, on stderr.
const logger = createLogger({ level: 'warn', destination: process.stderr });
const pacerRedis = new Redis(redisFound.url);
const cas = createCasClient({
  endpoint: casUrl,
  credentials: () => demoKey,
  pace: createRedisPacer({ redis: pacerRedis, prefix, limits: casRateLimits }),
});
const app = await startAppRole({ config, logger, cas });
const worker = await startWorkerRole({ config, logger, cas });
const base = `http://127.0.0.1:${app.port}`;

async function post(body: string): Promise<void> {
  const res = await request(`${base}/slack/events`, {
    method: 'POST',
    headers: signedSlackHeaders(body, undefined, signingSecret),
    body,
  });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`the app answered HTTP ${res.statusCode}`);
}

// Print every message the bot sends, as it happens.
let cardTs: string | undefined;
let deployCardTs: string | undefined;
const stopPrinting = slack.onCall((call: SlackCall) => {
  if (call.response.ok !== true) return;
  const channel = `#${demoNames[String(call.args.channel)] ?? call.args.channel}`;
  if (call.method === 'chat.postMessage' && call.args.thread_ts === undefined) {
    if (String(call.args.text).startsWith('Certificate renewal request')) cardTs = String(call.response.ts);
    out(`\n${channel}  certbot:`);
    out(indent(blocksToLines(call.args.blocks).join('\n') || mrkdwnToText(String(call.args.text)), '  │ '));
  } else if (call.method === 'chat.postMessage' && call.args.blocks) {
    deployCardTs = String(call.response.ts);
    out('  ↳ thread  certbot:');
    out(indent(blocksToLines(call.args.blocks).join('\n'), '    │ '));
  } else if (call.method === 'chat.postMessage') {
    out(`  ↳ thread  certbot: ${indent(mrkdwnToText(String(call.args.text)), '    ').trimStart()}`);
  } else if (call.method === 'chat.update' && call.args.ts === deployCardTs) {
    out(`  ✎ deployment card now says: ${blocksToLines(call.args.blocks).at(-1) ?? ''}`);
  } else if (call.method === 'chat.update' && call.args.ts === cardTs) {
    const status = blocksToLines(call.args.blocks).at(-1) ?? '';
    out(`  ✎ card now says: ${status}`);
  }
});

const timeout = setTimeout(() => {
  process.stderr.write('demo: the renewal did not finish within 60 s\n');
  process.exit(1);
}, 60_000);

out('certbot demo: the real app and worker against the CAS simulator and a local Slack stand-in.');
out(`\n#certs  @alice: /cert renew ${renewOrderId}`);
await post(
  slashCommandBody({
    text: `renew ${renewOrderId}`,
    response_url: slack.responseUrl(),
    user_id: 'U0REQUESTER',
    channel_id: 'C0CERTS',
  }),
);
const card = await slack.waitForCall(
  (c) => c.method === 'chat.postMessage' && String(c.args.text).startsWith('Certificate renewal request'),
  15_000,
);
const recordId = (card.args.blocks as Array<{ elements?: Array<{ action_id?: string; value?: string }> }>)
  .flatMap((b) => b.elements ?? [])
  .find((e) => e.action_id === 'cert_approve')?.value;
await new Promise((resolve) => setTimeout(resolve, 300));

out('\n#certs  @bob clicks [Approve] and confirms');
await post(
  blockActionBody({
    actionId: 'cert_approve',
    value: recordId,
    userId: 'U0APPROVER',
    channelId: 'C0CERTS',
    messageTs: String(card.response.ts),
    responseUrl: slack.responseUrl(),
  }),
);
await slack.waitForCall(
  (c) => c.method === 'chat.postMessage' && /Renewal issued/.test(String(c.args.text)),
  45_000,
);
const deployCard = await slack.waitForCall(
  (c) => c.method === 'chat.postMessage' && JSON.stringify(c.args.blocks ?? []).includes('cert_deploy'),
  15_000,
);
await new Promise((resolve) => setTimeout(resolve, 300));

out('\n#certs  @bob clicks [Deploy to 2 resources] on the deployment card and confirms');
await post(
  blockActionBody({
    actionId: 'cert_deploy',
    value: (deployCard.args.blocks as Array<{ elements?: Array<{ action_id?: string; value?: string }> }>)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'cert_deploy')?.value,
    userId: 'U0APPROVER',
    channelId: 'C0CERTS',
    messageTs: String(deployCard.response.ts),
    responseUrl: slack.responseUrl(),
  }),
);
await slack.waitForCall(
  (c) => c.method === 'chat.postMessage' && /Serving the new certificate on/.test(String(c.args.text)),
  30_000,
);

out('\n(the daily expiry scan runs; here, at once)');
const summary = await worker.alerts.runScan();
out(
  `\nDone: CAS renewed ${sim.renewCount()} order (one paid call), the bot submitted its application (${sim.calls.filter((c) => c.action === 'ApplyCertificate').length} ApplyCertificate), deployed the certificate with ${sim.deployments.jobs.size} CAS job and saw it served over TLS, and the scan alerted ${summary.alerted} expiring order.`,
);

clearTimeout(timeout);
stopPrinting();
await worker.stop();
await app.stop();
const cleanup = new Redis(redisFound.url);
for (let cursor = '0'; ; ) {
  const [next, keys] = await cleanup.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
  if (keys.length > 0) await cleanup.del(...keys);
  cursor = next;
  if (cursor === '0') break;
}
cleanup.disconnect();
pacerRedis.disconnect();
await slack.close();
await endpoints.close();
await sim.close();
await redisFound.stop?.();
