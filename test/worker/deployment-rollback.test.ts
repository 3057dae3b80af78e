import { describe, expect, it } from 'vitest';
import { type AppHarness, approverId } from '../support/app-harness.ts';
import { deploymentTests, type Resource, threadUntil } from '../support/deployment.ts';

const { upToDeployCard } = deploymentTests();

type Block = { block_id?: string; accessory?: { action_id: string; value: string } };

/** A resource whose deployment fails, and whose first rollback CAS cannot complete. */
const failing: Resource[] = [
  {
    id: '601',
    cloudProduct: 'CDN',
    domain: 'shop.example.com',
    regionId: 'cn-hangzhou',
    fail: { code: 'DeployFailed.HttpsOff', message: 'HTTPS is off.' },
    rollbackFails: 1,
  },
];

/** Clicks the Roll back button of the deployment card's newest version that has one, posted after `after` calls. */
async function clickRollBack(harness: AppHarness, deployTs: string, after: number) {
  const update = await harness.slack.waitForCall(
    (c) =>
      harness.slack.calls.indexOf(c) >= after &&
      c.method === 'chat.update' &&
      c.args.ts === deployTs &&
      JSON.stringify(c.args.blocks).includes('cert_rollback'),
    20_000,
  );
  const block = (update.args.blocks as Block[]).find((b) => b.accessory?.action_id === 'cert_rollback');
  await harness.click('cert_rollback', {
    user: approverId,
    messageTs: deployTs,
    value: block?.accessory?.value,
    blockId: block?.block_id,
  });
  return block;
}

describe('a rollback that ends rollback_error', () => {
  it.each([
    ['allows', 'allow', /Rolled back CDN/],
    ['refuses', 'refuse', /could not follow the deployment/],
  ] as const)(
    'the thread explains it and offers Roll back again (CAS %s a second rollback)',
    async (_, rollbackAgain, end) => {
      const { card, harness, deployTs, deployValue } = await upToDeployCard({
        resources: failing,
        deployApi: { rollbackAgain },
      });
      await harness.click('cert_deploy', { user: approverId, messageTs: deployTs, value: deployValue });
      await threadUntil(harness, card.ts, /Serving the new certificate on/);

      await clickRollBack(harness, deployTs, 0);
      const thread = await threadUntil(harness, card.ts, /Rolling back CDN/);
      const marker = harness.slack.calls.length;
      const again = await clickRollBack(harness, deployTs, marker);
      const after = await threadUntil(harness, card.ts, end);

      expect(thread.at(-1)).toMatch(
        /^:x: Rolling back CDN shop\.example\.com \(cn-hangzhou\) ended `rollback_error`: CAS could not put the previous certificate back, so the resource may still serve the new one\. The reason is only in the CAS console → Deployment → job `\d+`\. Approvers can \*Roll back\* it again on the deployment card\.$/,
      );
      expect(again?.accessory?.action_id).toBe('cert_rollback');
      expect(after.at(-1)).toMatch(end);
      const job = [...harness.cas.sim.deployments.jobs.values()][0];
      expect(job?.workers[0]?.status).toBe(rollbackAgain === 'allow' ? 'rollback_success' : 'rollback_error');
      expect(
        harness.cas.sim.calls.filter(
          (c) => c.action === 'UpdateWorkerResourceStatus' && c.outcome === undefined,
        ),
      ).toHaveLength(rollbackAgain === 'allow' ? 2 : 1);
      expect(await harness.app.redis.hget(`${harness.prefix}:deployment:${card.recordId}`, 'state')).toBe(
        'deployed',
      );
    },
  );
});

describe('Roll back on a resource that may not be rolled back', () => {
  it('a click naming a resource deployed and serving the new certificate is refused; nothing is sent to CAS', async () => {
    const { card, harness, deployTs, deployValue } = await upToDeployCard({
      resources: [
        { ...(failing[0] as Resource), rollbackFails: 0 },
        { ...(failing[0] as Resource), id: '602', domain: 'www.shop.example.com', fail: undefined },
      ],
    });
    await harness.click('cert_deploy', { user: approverId, messageTs: deployTs, value: deployValue });
    await threadUntil(harness, card.ts, /Serving the new certificate on/);
    const update = await harness.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' &&
        c.args.ts === deployTs &&
        JSON.stringify(c.args.blocks).includes('cert_rollback'),
    );
    const offered = (update.args.blocks as Block[]).find((b) => b.accessory?.action_id === 'cert_rollback');
    const job = [...harness.cas.sim.deployments.jobs.values()][0];
    const healthy = job?.workers.find((w) => w.resourceId === '602');

    // The current card's button, with the block of the healthy resource (a forged or mixed-up payload).
    await harness.click('cert_rollback', {
      user: approverId,
      messageTs: deployTs,
      value: offered?.accessory?.value,
      blockId: `result_${healthy?.id}`,
    });
    const refused = await harness.slack.waitForResponse();

    expect(offered?.block_id).not.toBe(`result_${healthy?.id}`);
    expect(refused.body.text).toMatch(/^Nothing changed: this request is no longer waiting for a decision\./);
    expect(harness.cas.sim.calls.filter((c) => c.action === 'UpdateWorkerResourceStatus')).toEqual([]);
    expect(healthy?.status).toBe('success');
  });
});
