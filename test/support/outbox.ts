import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { createRenewalStore, type Notice, type RenewalStore } from '../../src/renewals/store.ts';
import { createSlackStandIn } from '../../src/slack-standin/server.ts';
import { channelId } from './app-harness.ts';
import { deleteKeysWithPrefix, testRedisUrl, uniquePrefix } from './redis.ts';
import { testBotToken } from './slack-payloads.ts';

/**
 * A request of order 800123 whose card is posted in the Slack stand-in, on real Redis under its own prefix: the
 * ground for outbox deliverers built as separate processes would build them. Its cleanup goes into `cleanups`.
 */
export async function requestWithCard(cleanups: Array<() => Promise<void>>, name: string) {
  const slack = createSlackStandIn({ botToken: testBotToken });
  await slack.listen();
  const redis = new Redis(testRedisUrl());
  const prefix = uniquePrefix(name);
  cleanups.push(async () => {
    await slack.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });
  const store = createRenewalStore({ redis, prefix });
  const client = new WebClient(testBotToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  const created = await store.create({
    orderId: '800123',
    channelId,
    requestedBy: 'U0REQUESTER',
    expiresAt: Date.now() + 60_000,
  });
  if (!created.created) throw new Error('not created');
  const card = await client.chat.postMessage({ channel: channelId, text: 'card' });
  await store.setCard(created.record.id, channelId, card.ts as string);
  return { slack, store, client, id: created.record.id, cardTs: card.ts as string };
}

/**
 * Takes a request of {@link requestWithCard} to `issued` and proposes its deployment, queueing `notify` with the
 * proposal (a deployment card, say).
 */
export async function issueWithDeployment(store: RenewalStore, id: string, notify: Notice[]) {
  for (const step of ['approved', 'submitting', 'submitted', 'issued'] as const) {
    const moved = await store.transition(id, step, { actor: 'test', fields: { newOrderId: '900123' } });
    if (!moved.ok) throw new Error(`${step} refused: ${moved.reason}`);
  }
  const proposed = await store.deployments.transition(id, 'deployment_proposed', {
    actor: 'test',
    fields: { requestId: id, channelId, oldCertId: '11', newCertId: '12', resources: [] },
    notify,
  });
  if (!proposed.ok) throw new Error(`deployment_proposed refused: ${proposed.reason}`);
}
