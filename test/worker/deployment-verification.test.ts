import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  type AppHarness,
  approverId,
  blocksText,
  channelId,
  findButton,
  requesterId,
} from '../support/app-harness.ts';
import { deploymentTests, latestDeployCard, type Resource, threadUntil } from '../support/deployment.ts';

const { upToDeployCard } = deploymentTests();

const one: Resource[] = [
  { id: '601', cloudProduct: 'CDN', domain: 'shop.example.com', regionId: 'cn-hangzhou' },
];

type Block = { block_id?: string; accessory?: { action_id: string; value: string }; elements?: unknown[] };

async function state(harness: AppHarness, recordId: string) {
  return harness.app.redis.hget(`${harness.prefix}:deployment:${recordId}`, 'state');
}

describe('"verified" means every endpoint serves the new certificate', () => {
  it('an endpoint still serving the old certificate: deployed (not verified), Check again, and verified once it serves the new one', async () => {
    const { card, harness, deployTs, deployValue, tls } = await upToDeployCard({
      resources: one,
      stale: ['shop.example.com'],
    });

    await harness.click('cert_deploy', { user: approverId, messageTs: deployTs, value: deployValue });
    const thread = await threadUntil(harness, card.ts, /Serving the new certificate on/);

    expect(thread.at(-1)).toMatch(/^:warning: Serving the new certificate on 0 of 1 endpoint\./);
    expect(await state(harness, String(card.recordId))).toBe('deployed');
    const withRecheck = await harness.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' &&
        c.args.ts === deployTs &&
        findButton(c.args.blocks, 'cert_tls_recheck') !== undefined,
    );
    // The CDN edge catches up; a person asks again. Only approvers may: the requester is refused.
    tls.unpin('shop.example.com');
    const recheck = findButton(withRecheck.args.blocks, 'cert_tls_recheck')?.value;
    await harness.click('cert_tls_recheck', { user: requesterId, messageTs: deployTs, value: recheck });
    const refused = await harness.slack.waitForResponse();
    expect(refused.body.text).toBe(
      'Only <@U0APPROVER>, <@U0APPROVER2> can deploy, skip or roll back this certificate.',
    );
    expect(harness.slack.thread(channelId, card.ts).map((m) => m.text)).not.toContainEqual(
      expect.stringContaining('asked me to check the endpoints again'),
    );
    await harness.click('cert_tls_recheck', {
      user: approverId,
      messageTs: deployTs,
      value: recheck,
    });
    const after = await threadUntil(harness, card.ts, /Serving the new certificate on 1 of 1/);

    expect(after).toContainEqual(expect.stringContaining('asked me to check the endpoints again'));
    expect(after.at(-1)).toBe(':white_check_mark: Serving the new certificate on 1 of 1 endpoint.');
    expect(await state(harness, String(card.recordId))).toBe('verified');
    const metrics = await (await request(`${harness.metricsBase}/metrics`)).body.text();
    expect(metrics).toContain('certbot_deployments_total{outcome="not_serving"} 1');
    expect(metrics).toContain('certbot_deployments_total{outcome="verified"} 1');
    expect(metrics).toContain('certbot_tls_endpoints{result="old"} 1');
    expect(metrics).toContain('certbot_tls_endpoints{result="new"} 1');
  });

  it('a click on an older version of the deployment card changes nothing (the deployment moved on since)', async () => {
    const { card, harness, deployTs, deployValue } = await upToDeployCard({
      resources: one,
      stale: ['shop.example.com'],
    });
    await harness.click('cert_deploy', { user: approverId, messageTs: deployTs, value: deployValue });
    await threadUntil(harness, card.ts, /Serving the new certificate on 0 of 1/);
    const seen = await harness.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' &&
        c.args.ts === deployTs &&
        findButton(c.args.blocks, 'cert_tls_recheck') !== undefined,
    );
    const old = findButton(seen.args.blocks, 'cert_tls_recheck')?.value;
    await harness.click('cert_tls_recheck', { user: approverId, messageTs: deployTs, value: old });
    const checks = async () =>
      (await harness.app.redis.lrange(`${harness.prefix}:audit:${card.recordId}`, 0, -1)).filter((e) =>
        e.includes('"tls_not_serving"'),
      ).length;
    await harness.slack.waitForCall(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.args.thread_ts === card.ts &&
        /Serving the new certificate on 0 of 1/.test(String(c.args.text)) &&
        harness.slack.thread(channelId, card.ts).filter((m) => /Serving the new/.test(String(m.text)))
          .length === 2,
    );
    const before = await checks();

    await harness.click('cert_tls_recheck', { user: approverId, messageTs: deployTs, value: old });
    const refused = await harness.slack.waitForResponse();

    expect(before).toBe(2);
    expect(refused.body.text).toMatch(/^Nothing was done: this request changed since you saw it/);
    expect(await checks()).toBe(2);
    expect(await state(harness, String(card.recordId))).toBe('deployed');
  });

  it('a deployed resource the TLS check finds wrong can be rolled back from the thread', async () => {
    const { card, harness, deployTs, deployValue } = await upToDeployCard({
      resources: one,
      stale: ['shop.example.com'],
    });
    await harness.click('cert_deploy', { user: approverId, messageTs: deployTs, value: deployValue });
    const withRollback = await harness.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' &&
        c.args.ts === deployTs &&
        JSON.stringify(c.args.blocks).includes('cert_rollback'),
      20_000,
    );
    const block = (withRollback.args.blocks as Block[]).find(
      (b) => b.accessory?.action_id === 'cert_rollback',
    );

    await harness.click('cert_rollback', {
      user: approverId,
      messageTs: deployTs,
      value: block?.accessory?.value,
      blockId: block?.block_id,
    });
    const thread = await threadUntil(harness, card.ts, /Rolled back CDN/);

    expect(thread.at(-1)).toContain('Rolled back CDN shop.example.com (cn-hangzhou)');
    expect(harness.cas.sim.calls.filter((c) => c.action === 'UpdateWorkerResourceStatus')).toHaveLength(1);
    expect(await state(harness, String(card.recordId))).toBe('deployed');
  });

  it('a wildcard resource is counted as not checked, never dialled on the bare domain', async () => {
    const { card, harness, deployTs, deployValue } = await upToDeployCard({
      resources: [
        { id: '601', cloudProduct: 'CDN', domain: 'www.shop.example.com', regionId: 'cn-hangzhou' },
        { id: '602', cloudProduct: 'CDN', domain: '*.shop.example.com', regionId: 'cn-hangzhou' },
      ],
    });

    await harness.click('cert_deploy', { user: approverId, messageTs: deployTs, value: deployValue });
    const thread = await threadUntil(harness, card.ts, /Serving the new certificate on/);

    const last = thread.at(-1) as string;
    expect(last).toMatch(/^:warning: Serving the new certificate on 1 of 2 endpoints\./);
    expect(last).toContain(
      '• *.shop.example.com (none): unreachable: the resource reports only a wildcard name',
    );
    const results = JSON.parse(
      (await harness.app.redis.hget(
        `${harness.prefix}:deployment:${String(card.recordId)}`,
        'tlsResults',
      )) as string,
    ) as Array<{ domain: string }>;
    expect(results.map((r) => r.domain)).toEqual(['www.shop.example.com', '*.shop.example.com']);
    expect(await state(harness, String(card.recordId))).toBe('deployed');
  });

  it('a deployment CAS refused to create ends not deployed, never "Deployed"', async () => {
    const { card, harness, deployTs, deployValue } = await upToDeployCard({ resources: one });
    harness.cas.sim.faults.add({
      action: 'CreateDeploymentJob',
      fault: { kind: 'error', status: 400, code: 'InvalidParameter.ResourceId', message: 'no' },
    });

    await harness.click('cert_deploy', { user: approverId, messageTs: deployTs, value: deployValue });
    const thread = await threadUntil(harness, card.ts, /No deployment job was created/);

    expect(thread.at(-1)).toContain('CAS refused the job: InvalidParameter.ResourceId: no');
    expect(await state(harness, String(card.recordId))).toBe('not_deployed');
    const last = await harness.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' &&
        c.args.ts === card.ts &&
        blocksText(c.args.blocks).includes('not deployed'),
    );
    expect(blocksText(last.args.blocks)).not.toContain('Deployed');
    expect(blocksText(latestDeployCard(harness, deployTs)?.args.blocks)).not.toContain('cert_deploy');
  });
});
