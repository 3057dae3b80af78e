import { afterEach, describe, expect, it } from 'vitest';
import { lookupOrderForRenewal } from '../../src/cas/order-lookup.ts';
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
    expect(harness.sim.calls.map((c) => c.params.CurrentPage)).toEqual(['1', '2', '3', '4', '5']);
    now += 61_000;
    await index.find(String(orders[0]?.orderId));
    expect(harness.sim.calls).toHaveLength(10);
  });

  it('an order that started expiring after the last scan is found at once, however fresh the snapshot', async () => {
    harness = await startCasSim({ orders: [buildOrder()], qps: {} });
    const now = 1_000_000;
    const cas = harness.client();
    const index = createRenewableOrderIndex({ cas, now: () => now });
    await lookupOrderForRenewal(cas, index, String(harness.sim.store.orders.keys().next().value));
    const late = buildOrder({ status: 'ISSUED' });
    harness.sim.store.add(late);
    const before = await lookupOrderForRenewal(cas, index, String(late.orderId));
    const order = harness.sim.store.get(String(late.orderId));
    if (order) order.status = 'WILLEXPIRED';

    const found = await lookupOrderForRenewal(cas, index, String(late.orderId));

    expect(before.kind).toBe('not_renewable');
    expect(found).toMatchObject({ kind: 'renewable', order: { OrderId: String(late.orderId) } });
  });

  it('a mistyped order ID costs one DescribeCertificateState, never a rescan', async () => {
    harness = await startCasSim({ orders: [buildOrder()], qps: {} });
    const now = 1_000_000;
    const cas = harness.client();
    const index = createRenewableOrderIndex({ cas, now: () => now });
    await index.find('1');
    const listsBefore = harness.sim.calls.filter((c) => c.action === 'ListUserCertificateOrder').length;

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => lookupOrderForRenewal(cas, index, String(990_000 + i))),
    );

    expect(results.map((r) => (r.kind === 'not_renewable' ? r.problem.code : r.kind))).toEqual(
      results.map(() => 'not_found'),
    );
    expect(harness.sim.calls.filter((c) => c.action === 'ListUserCertificateOrder')).toHaveLength(
      listsBefore,
    );
    expect(harness.sim.calls.filter((c) => c.action === 'DescribeCertificateState')).toHaveLength(20);
  });

  it('misses of existing orders at once share one rescan', async () => {
    const existing = Array.from({ length: 10 }, () => buildOrder({ status: 'ISSUED' }));
    harness = await startCasSim({ orders: [buildOrder(), ...existing], qps: {} });
    const now = 1_000_000;
    const cas = harness.client();
    const index = createRenewableOrderIndex({ cas, now: () => now });
    await index.find('1');

    await Promise.all(existing.map((o) => lookupOrderForRenewal(cas, index, String(o.orderId))));

    expect(harness.sim.calls.filter((c) => c.action === 'ListUserCertificateOrder')).toHaveLength(2);
  });
});
