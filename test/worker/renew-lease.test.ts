import { afterEach, describe, expect, it } from 'vitest';
import type { HeldRequest } from '../../src/cas-sim/faults.ts';
import type { SimSeed } from '../../src/cas-sim/seed.ts';
import type { RenewalRecord } from '../../src/renewals/record.ts';
import type { RenewalStore } from '../../src/renewals/store.ts';
import { renderAttention } from '../../src/slack/thread-messages.ts';
import type { StepContext } from '../../src/worker/step-context.ts';
import { reconcileStep } from '../../src/worker/steps/reconcile.ts';
import { submitStep } from '../../src/worker/steps/submit.ts';
import type { buildOrder } from '../support/cas.ts';
import { approvedRequest, oldOrder, startWorkerSteps } from '../support/worker-steps.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function steps(orders: ReturnType<typeof buildOrder>[], seed: SimSeed = {}) {
  const started = await startWorkerSteps(orders, seed);
  cleanups.push(started.cleanup);
  return started;
}

const renew = 'RenewCertificateOrderForPackageRequest';
const submit = (ctx: StepContext, r: RenewalRecord) => submitStep(ctx, r, { recordId: r.id }, undefined);
async function reconcile(ctx: StepContext, store: RenewalStore, id: string) {
  return reconcileStep(ctx, (await store.get(id)) as RenewalRecord, { recordId: id });
}
/** The simulator's order created by renewing `order`. */
function renewalOf(sim: Awaited<ReturnType<typeof steps>>['sim'], order: { orderId: string | number }) {
  return [...sim.sim.store.orders.values()].find((o) => o.renewedFrom === String(order.orderId))?.orderId;
}

/** Two approved requests, for orders of these domains (the same one, or two). */
async function twoRequests(domainA: string, domainB: string, seed: SimSeed = {}) {
  const [a, b] = [oldOrder({ domain: domainA }), oldOrder({ domain: domainB })];
  const started = await steps([a, b], seed);
  const [ra, rb] = [await approvedRequest(started.store, a), await approvedRequest(started.store, b)];
  return { ...started, a, b, ra, rb };
}

describe('one unresolved Renew per domain', () => {
  it("A's Renew times out after CAS renewed: B of the same domain waits, A adopts its own order, then B renews its own", async () => {
    const { sim, store, ctx, a, b, ra, rb } = await twoRequests('race.example.com', 'race.example.com');
    sim.sim.faults.add({ action: renew, fault: { kind: 'lost-response' } });
    await submit(ctx, ra);

    const waited = await submit(ctx, rb);

    expect(waited).toEqual({ kind: 'later', ms: 10 });
    expect(await store.get(rb.id)).toMatchObject({ state: 'approved' });
    expect(sim.sim.renewCount()).toBe(1);
    await reconcile(ctx, store, ra.id);
    expect(await store.get(ra.id)).toMatchObject({ state: 'submitted', newOrderId: renewalOf(sim, a) });
    await submit(ctx, (await store.get(rb.id)) as RenewalRecord);
    expect(await store.get(rb.id)).toMatchObject({ state: 'submitted', newOrderId: renewalOf(sim, b) });
    expect(renewalOf(sim, b)).not.toBe(renewalOf(sim, a));
    expect(sim.sim.renewCount()).toBe(2);
  });

  it("B's Renew, made once A adopted its order, is unanswered and did nothing: B never takes A's order", async () => {
    const { sim, store, ctx, a, ra, rb } = await twoRequests('race.example.com', 'race.example.com');
    sim.sim.faults.add({ action: renew, fault: { kind: 'lost-response' } });
    await submit(ctx, ra);
    await submit(ctx, rb);
    await reconcile(ctx, store, ra.id);
    sim.sim.faults.add({ action: renew, fault: { kind: 'server-error' } });

    await submit(ctx, (await store.get(rb.id)) as RenewalRecord);
    await reconcile(ctx, store, rb.id);

    expect(await store.get(rb.id)).toMatchObject({
      state: 'needs_attention',
      attention: { code: 'no_new_order' },
    });
    expect((await store.get(rb.id))?.newOrderId).toBeUndefined();
    expect(await store.get(ra.id)).toMatchObject({ state: 'submitted', newOrderId: renewalOf(sim, a) });
  });

  it('other domains are not held back by an unresolved call', async () => {
    const { sim, store, ctx, b, ra, rb } = await twoRequests('a.example.com', 'b.example.com');
    sim.sim.faults.add({ action: renew, fault: { kind: 'lost-response' } });
    await submit(ctx, ra);

    await submit(ctx, rb);

    expect(await store.get(rb.id)).toMatchObject({ state: 'submitted', newOrderId: renewalOf(sim, b) });
    expect(await store.get(ra.id)).toMatchObject({ state: 'submitting', leaseScope: 'd:a.example.com' });
  });
});

describe('a recheck reconciles only while it holds the lease', () => {
  it("A, checked again while B's call of the domain is unresolved, waits: B's order goes to B", async () => {
    const { sim, store, ctx, b, ra, rb } = await twoRequests('recheck.example.com', 'recheck.example.com');
    sim.sim.faults.add({ action: renew, fault: { kind: 'server-error' } });
    sim.sim.faults.add({ action: renew, fault: { kind: 'lost-response' } });
    await submit(ctx, ra);
    await ctx.needsAttention((await store.get(ra.id)) as RenewalRecord, { code: 'no_new_order_id' });
    await submit(ctx, rb);
    await store.transition(ra.id, 'recheck', { actor: 'U0PERSON' });

    const waited = await reconcile(ctx, store, ra.id);

    expect(waited).toEqual({ kind: 'later', ms: 10 });
    expect((await store.get(ra.id))?.newOrderId).toBeUndefined();
    await reconcile(ctx, store, rb.id);
    expect(await store.get(rb.id)).toMatchObject({ state: 'submitted', newOrderId: renewalOf(sim, b) });
    await reconcile(ctx, store, ra.id);
    expect(await store.get(ra.id)).toMatchObject({
      state: 'needs_attention',
      attention: { code: 'no_new_order' },
    });
  });
});

describe('one unresolved Renew per account when listings omit the domain', () => {
  const bare: SimSeed = { renewal: { listing: 'bare' } };

  it('an order pending application without a domain before the call: B of another domain waits for A', async () => {
    const [a, b, c] = [
      oldOrder({ domain: 'a.example.com' }),
      oldOrder({ domain: 'b.example.com' }),
      oldOrder({ domain: 'c.example.com' }),
    ];
    const { sim, store, ctx } = await steps([a, b, c], bare);
    // An earlier renewal whose new order waits for its application, listed without a domain.
    await submit(ctx, await approvedRequest(store, c));
    // Later than the shared listing's 5 s: A's claim lists the account anew.
    await ctx.pendingOrders(true);
    sim.sim.faults.add({ action: renew, fault: { kind: 'lost-response' } });
    const [ra, rb] = [await approvedRequest(store, a), await approvedRequest(store, b)];
    await submit(ctx, ra);

    const waited = await submit(ctx, rb);

    expect(await store.get(ra.id)).toMatchObject({ state: 'submitting', leaseScope: '*' });
    expect(waited).toEqual({ kind: 'later', ms: 10 });
    expect(await store.get(rb.id)).toMatchObject({ state: 'approved' });
    await reconcile(ctx, store, ra.id);
    expect(await store.get(ra.id)).toMatchObject({ state: 'submitted', newOrderId: renewalOf(sim, a) });
    await submit(ctx, (await store.get(rb.id)) as RenewalRecord);
    expect(await store.get(rb.id)).toMatchObject({ state: 'submitted', newOrderId: renewalOf(sim, b) });
  });

  it('listings first found to omit the domain with two domains unresolved: neither adopts, later claims hold the account', async () => {
    const [a, b, c] = [
      oldOrder({ domain: 'a.example.com' }),
      oldOrder({ domain: 'b.example.com' }),
      oldOrder({ domain: 'c.example.com' }),
    ];
    const { sim, store, ctx } = await steps([a, b, c], bare);
    // A's Renew happens (answer lost); B's never reaches CAS's logic (503): only A's order exists, bare.
    sim.sim.faults.add({ action: renew, fault: { kind: 'lost-response' } });
    sim.sim.faults.add({ action: renew, fault: { kind: 'server-error' } });
    const [ra, rb] = [await approvedRequest(store, a), await approvedRequest(store, b)];
    await submit(ctx, ra);
    await submit(ctx, rb);

    await reconcile(ctx, store, ra.id);
    await reconcile(ctx, store, rb.id);

    for (const id of [ra.id, rb.id]) {
      expect(await store.get(id)).toMatchObject({
        state: 'needs_attention',
        attention: { code: 'ambiguous_new_order', candidates: [renewalOf(sim, a)] },
      });
      expect((await store.get(id))?.newOrderId).toBeUndefined();
    }
    const rc = await approvedRequest(store, c);
    await submit(ctx, rc);
    expect(await store.get(rc.id)).toMatchObject({ leaseScope: '*' });
  });
});

describe('a listing older than a holder that gave up is taken again', () => {
  it("A gives up on its call with its order unclaimed: B's claim lists again, so B's reconcile never takes A's order", async () => {
    const { sim, store, ctx, a, ra, rb } = await twoRequests('stale.example.com', 'stale.example.com');
    // Listed (and shared for 5 s) before A's order exists.
    await ctx.pendingOrders();
    sim.sim.faults.add({ action: renew, fault: { kind: 'lost-response' } });
    await submit(ctx, ra);
    await ctx.needsAttention((await store.get(ra.id)) as RenewalRecord, { code: 'no_new_order_id' });
    sim.sim.faults.add({ action: renew, fault: { kind: 'server-error' } });

    await submit(ctx, rb);
    await reconcile(ctx, store, rb.id);

    expect((await store.get(rb.id))?.payedBefore).toContain(renewalOf(sim, a));
    expect(await store.get(rb.id)).toMatchObject({
      state: 'needs_attention',
      attention: { code: 'no_new_order' },
    });
    expect(await store.newOrderOwner(renewalOf(sim, a) as string)).toBeUndefined();
  });
});

describe('a lease outlives no holder', () => {
  it('the holder record is gone (deleted, expired): the next claim takes the lease', async () => {
    const { sim, store, ctx, redis, b, ra, rb } = await twoRequests('gone.example.com', 'gone.example.com');
    sim.sim.faults.add({ action: renew, fault: { kind: 'lost-response' } });
    await submit(ctx, ra);
    await redis.del(store.key.record(ra.id));

    await submit(ctx, rb);

    expect(await store.get(rb.id)).toMatchObject({ state: 'submitted', newOrderId: renewalOf(sim, b) });
  });

  it('a holder that left submitting by a move without a release (an older version) holds nothing', async () => {
    const { sim, store, ctx, redis, b, ra, rb } = await twoRequests('left.example.com', 'left.example.com');
    await redis.hset(store.leases.key.lease, 'd:left.example.com', ra.id);

    await submit(ctx, rb);

    expect(await store.get(rb.id)).toMatchObject({ state: 'submitted', newOrderId: renewalOf(sim, b) });
    expect(await store.leases.holders()).toEqual(new Map());
  });
});

describe('a known answer is never discarded', () => {
  it('CAS names a new order another request already claims: needs attention with both facts, never "did not happen"', async () => {
    const [a, h] = [oldOrder({ domain: 'a.example.com' }), oldOrder({ domain: 'h.example.com' })];
    const { sim, store, ctx } = await steps([a, h]);
    sim.sim.faults.add({ action: renew, fault: { kind: 'hold', afterActing: true } });
    const held = new Promise<HeldRequest>((resolve) => sim.sim.events.once('held', resolve));
    const ra = await approvedRequest(store, a);
    const submitted = submit(ctx, ra);
    const request = await held;
    const newOrderId = renewalOf(sim, a) as string;
    // Meanwhile a person closes another request as "renewed as" that order.
    const rh = await approvedRequest(store, h);
    await store.transition(rh.id, 'needs_attention', { actor: 'worker' });
    await store.transition(rh.id, 'resolved_renewed', { actor: 'U0PERSON', fields: { newOrderId } });

    request.release('answer');
    await submitted;

    const record = await store.get(ra.id);
    expect(record).toMatchObject({
      state: 'needs_attention',
      attention: { code: 'new_order_claimed', newOrderId, holderId: rh.id, holderOrderId: String(h.orderId) },
    });
    const text = renderAttention(record?.attention as NonNullable<RenewalRecord['attention']>);
    expect(text).toContain(newOrderId);
    expect(text).toContain(rh.id);
    expect(text).not.toMatch(/did not happen/);
    expect(sim.sim.renewCount()).toBe(1);
  });
});
