import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging.ts';
import type { RenewalStore } from '../../src/renewals/store.ts';
import { createOutboxDelivery } from '../../src/slack/outbox-delivery.ts';
import { channelId } from '../support/app-harness.ts';
import { issueWithDeployment, requestWithCard } from '../support/outbox.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A request with its card and a queued deployment card; the store's `deployments.setCard` fails `failures` times. */
async function withDeployCardQueued(failures: number) {
  const { slack, store, client, id } = await requestWithCard(cleanups, 'deploy-card');
  await issueWithDeployment(store, id, [{ kind: 'deploy_card' }]);
  let left = failures;
  // The fault seam: the write that records the card's ts fails after Slack took the post (a Redis blip).
  const faulty: RenewalStore = {
    ...store,
    deployments: {
      ...store.deployments,
      async setCard(...args) {
        if (left-- > 0) throw Object.assign(new Error('Connection is closed.'), { code: 'ECONNRESET' });
        return store.deployments.setCard(...args);
      },
    },
  };
  const deliver = createOutboxDelivery({
    store: faulty,
    slack: client,
    logger: createLogger({ level: 'silent' }),
    now: Date.now,
  });
  const deployCards = () =>
    slack
      .okCalls('chat.postMessage')
      .filter((c) => String(c.args.text).startsWith('Install the new certificate'));
  return { slack, store, id, deliver, deployCards };
}

describe('the deployment card', () => {
  it('a write that fails once right after the post: the retry records the known ts, one card in the thread', async () => {
    const { store, id, deliver, deployCards, slack } = await withDeployCardQueued(1);

    const first = await deliver(id);
    const second = await deliver(id);

    expect(first).toMatchObject({ done: false });
    expect(second).toEqual({ done: true });
    expect(deployCards()).toHaveLength(1);
    const ts = deployCards()[0]?.response.ts;
    expect((await store.deployments.get(id))?.cardTs).toBe(ts);
    expect(await store.findByCard(channelId, String(ts))).toMatchObject({ id });
    // The retry refreshed the card it had posted instead of posting another.
    expect(slack.okCalls('chat.update').filter((c) => c.args.ts === ts)).toHaveLength(1);
  });

  it('a write that keeps failing: no delivery posts a second card until it is recorded', async () => {
    const { store, id, deliver, deployCards } = await withDeployCardQueued(3);

    const results = [await deliver(id), await deliver(id), await deliver(id), await deliver(id)];

    expect(results.map((r) => r.done)).toEqual([false, false, false, true]);
    expect(deployCards()).toHaveLength(1);
    expect((await store.deployments.get(id))?.cardTs).toBe(deployCards()[0]?.response.ts);
  });
});
