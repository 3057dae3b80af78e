import { afterEach, describe, expect, it } from 'vitest';
import type { SeedResource } from '../../src/cas-sim/deployments.ts';
import {
  type AppHarness,
  approverId,
  blocksText,
  channelId,
  findButton,
  openCard,
  requesterId,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { startTlsEndpoints } from '../support/tls-endpoints.ts';

let h: AppHarness | undefined;
let tls: Awaited<ReturnType<typeof startTlsEndpoints>> | undefined;
afterEach(async () => {
  await h?.stop();
  await tls?.close();
  h = undefined;
  tls = undefined;
});

type Resource = Omit<SeedResource, 'servesOrder'>;

/** Renews an order whose certificate `resources` serve, up to the deployment card in the thread. */
async function upToDeployCard(options: {
  resources: Resource[];
  stale?: string[];
  env?: Record<string, string>;
}) {
  const order = buildOrder({
    domain: 'shop.example.com',
    renewScript: [{ type: 'payed' }, { type: 'certificate' }],
  });
  const domains = [...new Set(options.resources.map((r) => r.domain))];
  tls = await startTlsEndpoints(() => (h as AppHarness).cas.sim, domains, { stale: options.stale ?? [] });
  h = await startAppHarness({
    worker: {},
    env: { CERT_DEPLOY: 'ask', CERT_TLS_RESOLVE: tls.resolve, ...options.env },
    seed: {
      orders: [order],
      resources: options.resources.map((r) => ({ ...r, servesOrder: order.orderId })),
    },
  });
  for (const d of options.stale ?? []) await tls.pin(d);
  const card = await openCard(h, String(order.orderId));
  await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
  const deployCard = await h.slack.waitForCall(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.args.thread_ts === card.ts &&
      findButton(c.args.blocks, 'cert_deploy') !== undefined,
    15_000,
  );
  // Clicks match the card once its poster stored where it is.
  await h.waitForLog((e) => e.msg === 'deployment card posted' && e.ts === deployCard.response.ts);
  return {
    order,
    card,
    harness: h,
    deployTs: deployCard.response.ts as string,
    deployValue: findButton(deployCard.args.blocks, 'cert_deploy')?.value,
    deployText: blocksText(deployCard.args.blocks),
  };
}

async function threadUntil(harness: AppHarness, ts: string, pattern: RegExp, timeoutMs = 20_000) {
  await harness.slack.waitForCall(
    (c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts && pattern.test(String(c.args.text)),
    timeoutMs,
  );
  return harness.slack.thread(channelId, ts).map((m) => m.text);
}

const twoResources: Resource[] = [
  { id: '601', cloudProduct: 'CDN', domain: 'shop.example.com', regionId: 'cn-hangzhou' },
  { id: '602', cloudProduct: 'ALB', domain: 'www.shop.example.com', regionId: 'cn-shanghai' },
];

describe('installing the new certificate', () => {
  it('issued → Deploy → one job, started → per-resource results → serving the new certificate on 2 of 2 endpoints', async () => {
    const { card, harness, deployTs, deployValue, deployText } = await upToDeployCard({
      resources: twoResources,
    });
    expect(deployText).toContain('is served by 2 resources');
    expect(deployText).toContain('CDN shop.example.com (cn-hangzhou)');
    expect(deployText).toContain('ALB www.shop.example.com (cn-shanghai)');
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${card.recordId}`, 'state')).toBe(
      'deploy_requested',
    );

    await harness.click('cert_deploy', { user: approverId, messageTs: deployTs, value: deployValue });
    const thread = await threadUntil(harness, card.ts, /Serving the new certificate on/);

    const sim = harness.cas.sim;
    expect(sim.calls.filter((c) => c.action === 'CreateDeploymentJob')).toHaveLength(1);
    expect(
      sim.calls.filter((c) => c.action === 'UpdateDeploymentJobStatus').map((c) => c.params.Status),
    ).toEqual(['pending']);
    const job = [...sim.deployments.jobs.values()][0];
    expect(job?.name).toBe(`certbot-${card.recordId}`);
    expect(thread).toContainEqual(expect.stringContaining('deployed to 2 of 2 resources'));
    expect(thread.at(-1)).toBe(':white_check_mark: Serving the new certificate on 2 of 2 endpoints.');
    const record = await harness.app.redis.hgetall(`${harness.prefix}:renewal:${card.recordId}`);
    expect(record.state).toBe('verified');
    expect(record.deployDecidedBy).toBe(approverId);
    // The card says it too, and the deployment card lost its buttons.
    await harness.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' &&
        c.args.ts === card.ts &&
        blocksText(c.args.blocks).includes('serving the new certificate on 2 of 2 endpoints'),
    );
    const lastDeployCard = harness.slack
      .okCalls('chat.update')
      .filter((c) => c.args.ts === deployTs)
      .at(-1);
    expect(findButton(lastDeployCard?.args.blocks, 'cert_deploy')).toBeUndefined();
  });

  it('an endpoint still serving the old certificate is named, not hidden', async () => {
    const { card, harness, deployTs, deployValue } = await upToDeployCard({
      resources: twoResources,
      stale: ['www.shop.example.com'],
    });

    await harness.click('cert_deploy', { user: approverId, messageTs: deployTs, value: deployValue });
    const thread = await threadUntil(harness, card.ts, /Serving the new certificate on/);

    const last = thread.at(-1) as string;
    expect(last).toMatch(/^:warning: Serving the new certificate on 1 of 2 endpoints\./);
    expect(last).toMatch(/• www\.shop\.example\.com \(127\.0\.0\.1:\d+\): still the old certificate/);
    expect(last).not.toMatch(/• shop\.example\.com/);
  });

  it('a failing resource is named with its reason; Roll back from Slack rolls it back in CAS', async () => {
    const { card, harness, deployTs, deployValue } = await upToDeployCard({
      resources: [
        twoResources[0] as Resource,
        {
          ...(twoResources[1] as Resource),
          fail: { code: 'DeployFailed.HttpsOff', message: 'HTTPS is not enabled on the listener.' },
        },
      ],
    });
    await harness.click('cert_deploy', { user: approverId, messageTs: deployTs, value: deployValue });
    const thread = await threadUntil(harness, card.ts, /Serving the new certificate on/);
    expect(thread).toContainEqual(
      expect.stringContaining(
        '• ALB www.shop.example.com (cn-shanghai): *error* `DeployFailed.HttpsOff` HTTPS is not enabled on the listener.',
      ),
    );
    expect(thread.at(-1)).toBe(':white_check_mark: Serving the new certificate on 1 of 1 endpoint.');
    const withRollback = await harness.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' &&
        c.args.ts === deployTs &&
        JSON.stringify(c.args.blocks).includes('cert_rollback'),
    );
    const block = (
      withRollback.args.blocks as Array<{
        block_id: string;
        accessory?: { action_id: string; value: string };
      }>
    ).find((b) => b.accessory?.action_id === 'cert_rollback');

    // Only approvers may roll back.
    await harness.click('cert_rollback', {
      user: requesterId,
      messageTs: deployTs,
      value: block?.accessory?.value,
      blockId: block?.block_id,
    });
    const refused = await harness.slack.waitForResponse();
    await harness.click('cert_rollback', {
      user: approverId,
      messageTs: deployTs,
      value: block?.accessory?.value,
      blockId: block?.block_id,
    });
    const after = await threadUntil(harness, card.ts, /Rolled back ALB|Rolling back ALB/);

    expect(after.at(-1)).toContain(
      'Rolled back ALB www.shop.example.com (cn-shanghai): it serves its previous certificate again.',
    );
    expect(refused.body.text).toBe(
      'Only <@U0APPROVER>, <@U0APPROVER2> can deploy, skip or roll back this certificate.',
    );
    const sim = harness.cas.sim;
    expect(sim.calls.filter((c) => c.action === 'UpdateWorkerResourceStatus')).toHaveLength(1);
    const job = [...sim.deployments.jobs.values()][0];
    expect(job?.workers.find((w) => w.resourceId === '602')?.status).toBe('rollback_success');
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${card.recordId}`, 'state')).toBe(
      'deployed',
    );
  });

  it('CERT_TLS_CHECK=off: the job is followed to its results and the request ends deployed, unchecked', async () => {
    const { card, harness, deployTs, deployValue } = await upToDeployCard({
      resources: twoResources,
      env: { CERT_TLS_CHECK: 'off' },
    });

    await harness.click('cert_deploy', { user: approverId, messageTs: deployTs, value: deployValue });
    const thread = await threadUntil(harness, card.ts, /finished: deployed to/);

    expect(thread.at(-1)).toContain('deployed to 2 of 2 resources');
    await harness.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' && c.args.ts === card.ts && blocksText(c.args.blocks).includes('Deployed'),
    );
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${card.recordId}`, 'state')).toBe(
      'deployed',
    );
    expect(thread.some((t) => t.includes('Serving the new certificate'))).toBe(false);
  });

  it('Skip: the request ends issued and nothing is deployed; only approvers may decide', async () => {
    const { card, harness, deployTs, deployValue } = await upToDeployCard({ resources: twoResources });

    await harness.click('cert_deploy', { user: requesterId, messageTs: deployTs, value: deployValue });
    const refused = await harness.slack.waitForResponse();
    await harness.click('cert_deploy_skip', { user: approverId, messageTs: deployTs, value: deployValue });
    const thread = await threadUntil(harness, card.ts, /skipped the deployment/);

    expect(refused.body.text).toContain('can deploy, skip or roll back this certificate');
    expect(thread.at(-1)).toContain('<@U0APPROVER> skipped the deployment');
    expect(harness.cas.sim.calls.filter((c) => c.action === 'CreateDeploymentJob')).toEqual([]);
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${card.recordId}`, 'state')).toBe(
      'issued',
    );
  });

  it('no resource serves the old certificate: the thread says so and what to check', async () => {
    const order = buildOrder({ domain: 'lonely.example.com', renewScript: [{ type: 'certificate' }] });
    h = await startAppHarness({
      worker: {},
      env: { CERT_DEPLOY: 'ask', CERT_DEPLOY_PRODUCTS: 'CDN,ALB' },
      seed: { orders: [order] },
    });
    const card = await openCard(h, String(order.orderId));
    await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });

    const thread = await threadUntil(h, card.ts, /No cloud resource serves/);

    expect(thread.at(-1)).toMatch(
      /No cloud resource serves the old certificate \(`\d+`\) in CDN, ALB, so there is nothing to deploy to/,
    );
    expect(
      h.cas.sim.calls.filter((c) => c.action === 'ListCloudResources').map((c) => c.params.CloudProduct),
    ).toEqual(['CDN', 'ALB']);
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('issued');
  });
});
