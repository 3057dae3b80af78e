import { afterEach, expect, it } from 'vitest';
import { type AppHarness, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
});

it('smoke', async () => {
  const order = buildOrder();
  h = await startAppHarness({ seed: { orders: [order] } });

  const res = await h.command(`renew ${order.orderId}`);
  const card = await h.slack.waitForCall((c) => c.method === 'chat.postMessage');

  expect(res.status).toBe(200);
  expect(card.response.ok).toBe(true);
});
