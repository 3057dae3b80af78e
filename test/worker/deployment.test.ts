import { describe, expect, it } from 'vitest';
import {
  approverId,
  blocksText,
  findButton,
  openCard,
  requesterId,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { deploymentTests, latestDeployCard, type Resource, threadUntil } from '../support/deployment.ts';

const { upToDeployCard, track } = deploymentTests();

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
    expect(await harness.app.redis.hget(`${harness.prefix}:deployment:${card.recordId}`, 'state')).toBe(
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
    const record = await harness.app.redis.hgetall(`${harness.prefix}:deployment:${card.recordId}`);
    expect(record.state).toBe('verified');
    expect(record.decidedBy).toBe(approverId);
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

  it('a failing resource is named, with where CAS shows the reason; not verified; Roll back from Slack rolls it back in CAS', async () => {
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
    const results = thread.find((t) => t.includes('finished: deployed to 1 of 2')) as string;
    expect(results).toContain('• ALB www.shop.example.com (cn-shanghai): *error*\n');
    // ListWorkerResource has no error code or message: the thread says where the reason is, invents none.
    expect(results).toMatch(/open job `\d+` in the CAS console → Deployment to read it/);
    expect(results).not.toContain('DeployFailed.HttpsOff');
    expect(thread.at(-1)).toMatch(/^:warning: Serving the new certificate on 1 of 2 endpoints\./);
    expect(thread.at(-1)).toMatch(
      /• www\.shop\.example\.com \(127\.0\.0\.1:\d+\): still the old certificate/,
    );
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
    expect(await harness.app.redis.hget(`${harness.prefix}:deployment:${card.recordId}`, 'state')).toBe(
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
    expect(await harness.app.redis.hget(`${harness.prefix}:deployment:${card.recordId}`, 'state')).toBe(
      'deployed',
    );
    expect(thread.some((t) => t.includes('Serving the new certificate'))).toBe(false);
    // No check ran, so there is nothing to check again: a click with the current version is refused.
    const key = `${harness.prefix}:deployment:${card.recordId}`;
    const current = `${card.recordId}.${await harness.app.redis.hget(key, 'version')}`;
    expect(JSON.stringify(latestDeployCard(harness, deployTs)?.args.blocks)).not.toContain(
      'cert_tls_recheck',
    );
    await harness.click('cert_tls_recheck', { user: approverId, messageTs: deployTs, value: current });
    const refused = await harness.slack.waitForResponse();
    expect(refused.body.text).toMatch(/^Nothing changed: this request is no longer waiting for a decision\./);
    expect(await harness.app.redis.hget(key, 'state')).toBe('deployed');
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
    expect(await harness.app.redis.hget(`${harness.prefix}:deployment:${card.recordId}`, 'state')).toBe(
      'skipped',
    );
  });

  it('no resource serves the old certificate: the thread says so and what to check', async () => {
    const order = buildOrder({ domain: 'lonely.example.com', renewScript: [{ type: 'certificate' }] });
    const h = track(
      await startAppHarness({
        worker: {},
        env: { CERT_DEPLOY: 'ask', CERT_DEPLOY_PRODUCTS: 'CDN,ALB' },
        seed: { orders: [order] },
      }),
    );
    const card = await openCard(h, String(order.orderId));
    await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });

    const thread = await threadUntil(h, card.ts, /No cloud resource serves/);

    expect(thread.at(-1)).toMatch(
      /No cloud resource serves the old certificate \(`\d+`\) in CDN, ALB, so there is nothing to deploy to/,
    );
    // One listing for every product (CloudProduct is optional in Alibaba's model), filtered by the old CertId.
    expect(
      h.cas.sim.calls
        .filter((c) => c.action === 'ListCloudResources')
        .map((c) => [c.params.CloudProduct, c.params.CertIds]),
    ).toEqual([[undefined, expect.stringMatching(/^\[\d+\]$/)]]);
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('issued');
  });
});
