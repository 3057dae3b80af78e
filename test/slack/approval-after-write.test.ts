import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.ts';
import { createRenewalStore } from '../../src/renewals/store.ts';
import { sweepOrphans } from '../../src/worker/sweeper.ts';
import {
  type AppHarness,
  approverId,
  blocksText,
  openCard,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { renewalAddFaults } from '../support/queue-faults.ts';
import { testRedis } from '../support/redis.ts';

let h: AppHarness | undefined;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await h?.stop();
  h = undefined;
});

describe('Approve when queueing fails after the approval was written', () => {
  it('tells the approver the approval stands (not "nothing was changed"), and the sweeper starts the renewal', async () => {
    const order = buildOrder({ domain: 'shop.example.com' });
    const faults = renewalAddFaults();
    faults.failNext();
    h = await startAppHarness({ seed: { orders: [order] }, appQueues: faults.install });
    const harness = h;
    const card = await openCard(harness, String(order.orderId));
    const redis = testRedis();
    const queue = new Queue('renewals', { connection: redis, prefix: harness.prefix });
    cleanups.push(async () => {
      await queue.close();
      redis.disconnect();
    });

    await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    const answer = await harness.slack.waitForResponse();
    const update = await harness.slack.waitForCall(
      (c) => c.method === 'chat.update' && c.response.ok === true,
    );
    const jobBeforeSweep = await queue.getJob(`renew-${card.recordId}`);
    const store = createRenewalStore({ redis: harness.app.redis, prefix: harness.prefix, now: Date.now });
    const requeued = await sweepOrphans({ store, queue, logger: silentLogger });

    expect(answer.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(answer.body.text).toContain('Your approval is recorded and stands');
    expect(answer.body.text).not.toContain('nothing was changed');
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${card.recordId}`, 'state')).toBe(
      'approved',
    );
    expect(blocksText(update.args.blocks)).toContain(`approved by <@${approverId}>`);
    expect(jobBeforeSweep).toBeUndefined();
    expect(requeued).toBe(1);
    expect((await queue.getJob(`renew-${card.recordId}`))?.data).toEqual({ recordId: card.recordId });
  });
});
