import { afterEach, describe, expect, it } from 'vitest';
import { type AppHarness, approverId, openCard, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { type PrivateRedis, startRedisServer } from '../support/redis-server.ts';

let h: AppHarness | undefined;
let redis: PrivateRedis | undefined;
let restart: (() => Promise<void>) | undefined;
afterEach(async () => {
  // The harness needs Redis back to clean up.
  await restart?.();
  await h?.stop();
  await redis?.stop();
  h = undefined;
  redis = undefined;
  restart = undefined;
});

describe('buttons answer even when their work fails', () => {
  it.each([
    ['Approve', 'cert_approve'],
    ['Renew on an alert', 'cert_renew'],
    ['Check CAS again', 'cert_recheck'],
  ])(
    '%s while Redis is down: a private apology, nothing changed',
    async (_label, actionId) => {
      const order = buildOrder();
      redis = await startRedisServer();
      const port = Number(new URL(redis.url).port);
      h = await startAppHarness({ seed: { orders: [order] }, env: { REDIS_URL: redis.url } });
      const harness = h;
      const card = await openCard(harness, String(order.orderId));
      const server = redis;
      await server.stop();
      restart = async () => {
        redis = await startRedisServer({ port });
      };

      await harness.click(actionId, {
        user: approverId,
        messageTs: card.ts,
        value: actionId === 'cert_renew' ? String(order.orderId) : card.value,
      });
      const answer = await harness.slack.waitForResponse(undefined, 15_000);

      expect(answer.body).toMatchObject({
        response_type: 'ephemeral',
        text: expect.stringContaining('Something went wrong on my side; nothing was changed'),
      });
      expect(harness.logs.join('')).toContain('Slack listener failed after its ack');
    },
    30_000,
  );
});
