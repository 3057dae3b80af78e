import { afterEach, describe, expect, it } from 'vitest';
import { createRenewableOrderIndex } from '../../src/cas/renewable-orders.ts';
import { buildOrder, startCasSim } from '../support/cas.ts';

type Harness = Awaited<ReturnType<typeof startCasSim>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('renewable order index', () => {
  it('pages through the expiring orders once for a burst of look-ups', async () => {
    const orders = Array.from({ length: 250 }, () => buildOrder());
    harness = await startCasSim({ orders, qps: {} });
    let now = 1_000_000;
    const index = createRenewableOrderIndex({ cas: harness.client(), now: () => now });

    const found = await Promise.all(orders.slice(0, 50).map((o) => index.find(String(o.orderId))));

    expect(found.map((o) => o?.Domain)).toEqual(orders.slice(0, 50).map((o) => o.domain));
    expect(harness.sim.calls.map((c) => c.params.CurrentPage)).toEqual(['1', '2', '3']);
    now += 61_000;
    await index.find(String(orders[0]?.orderId));
    expect(harness.sim.calls).toHaveLength(6);
  });

  it('rescans on a miss once the snapshot is a few seconds old, so a newly expiring order is found', async () => {
    harness = await startCasSim({ orders: [buildOrder()], qps: {} });
    let now = 1_000_000;
    const index = createRenewableOrderIndex({ cas: harness.client(), now: () => now });
    await index.find('1');
    const late = buildOrder();
    harness.sim.store.add(late);

    const freshMiss = await index.find(String(late.orderId));
    now += 6_000;
    const afterRescan = await index.find(String(late.orderId));

    expect(freshMiss).toBeUndefined();
    expect(afterRescan?.OrderId).toBe(String(late.orderId));
  });
});
