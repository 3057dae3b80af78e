import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.ts';
import { createRenewalStore } from '../../src/renewals/store.ts';
import { sweepOrphans } from '../../src/worker/sweeper.ts';
import { approverId } from '../support/app-harness.ts';
import { deploymentTests, threadUntil } from '../support/deployment.ts';
import { renewalAddFaults } from '../support/queue-faults.ts';

const { upToDeployCard } = deploymentTests();

describe('Deploy when queueing fails after the decision was written', () => {
  it('tells the approver the decision stands (not "nothing was changed"), and the sweeper runs the deployment', async () => {
    const faults = renewalAddFaults();
    const { card, harness, deployTs, deployValue } = await upToDeployCard({
      resources: [{ id: '601', cloudProduct: 'CDN', domain: 'shop.example.com', regionId: 'cn-hangzhou' }],
      appQueues: faults.install,
    });
    faults.failNext();

    await harness.click('cert_deploy', { user: approverId, messageTs: deployTs, value: deployValue });
    const answer = await harness.slack.waitForResponse();
    const stateBeforeSweep = await harness.app.redis.hget(
      `${harness.prefix}:deployment:${card.recordId}`,
      'state',
    );
    const queue = new Queue('renewals', { connection: harness.app.redis, prefix: harness.prefix });
    const store = createRenewalStore({ redis: harness.app.redis, prefix: harness.prefix, now: Date.now });
    // Whether a job is still there to pick the decision up depends on when the issuance job finished; the sweep
    // enqueues one if not (what a worker's sweeper does every CERT_SWEEP_INTERVAL_SECONDS).
    await sweepOrphans({ store, queue, logger: silentLogger });
    const thread = await threadUntil(harness, card.ts, /Serving the new certificate on/);
    await queue.close();

    expect(answer.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(answer.body.text).toContain('Your decision is recorded and stands');
    expect(answer.body.text).not.toContain('nothing was changed');
    expect(stateBeforeSweep).toBe('deploy_approved');
    expect(harness.cas.sim.calls.filter((c) => c.action === 'CreateDeploymentJob')).toHaveLength(1);
    expect(thread.at(-1)).toBe(':white_check_mark: Serving the new certificate on 1 of 1 endpoint.');
  });
});
