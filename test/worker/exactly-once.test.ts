import { afterEach, describe, expect, it } from 'vitest';
import type { RenewalRecord } from '../../src/renewals/record.ts';
import { applyStep } from '../../src/worker/steps/apply.ts';
import { reconcileStep } from '../../src/worker/steps/reconcile.ts';
import { submitStep } from '../../src/worker/steps/submit.ts';
import {
  type AppHarness,
  approverId,
  blocksText,
  channelId,
  findButton,
  openCard,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder, testContactId } from '../support/cas.ts';
import { approvedRequest, oldOrder, startWorkerSteps } from '../support/worker-steps.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function steps(orders: ReturnType<typeof buildOrder>[]) {
  const started = await startWorkerSteps(orders);
  cleanups.push(started.cleanup);
  return started;
}

describe('the paid call, raced', () => {
  it('two submit steps on one approved record (a stalled job redelivered): one claim wins, CAS renews once', async () => {
    const order = buildOrder();
    const { sim, store, ctx } = await steps([order]);
    const record = await approvedRequest(store, order);

    // Both runs read the record as `approved` before either acts, like a worker whose lock expired and the
    // worker that took the job over.
    const results = await Promise.all([
      submitStep(ctx, record, { recordId: record.id }, undefined),
      submitStep(ctx, record, { recordId: record.id }, undefined),
    ]);

    expect(sim.sim.calls.filter((c) => c.action === 'RenewCertificateOrderForPackageRequest')).toHaveLength(
      1,
    );
    expect(sim.sim.renewCount()).toBe(1);
    expect(results.map((r) => r.kind).sort()).toEqual(['again', 'later']);
    expect((await store.get(record.id))?.state).toBe('submitted');
  });

  it('50 concurrent submit steps: exactly one renewal', async () => {
    const order = buildOrder();
    const { sim, store, ctx } = await steps([order]);
    const record = await approvedRequest(store, order);

    await Promise.all(
      Array.from({ length: 50 }, () => submitStep(ctx, record, { recordId: record.id }, undefined)),
    );

    expect(sim.sim.renewCount()).toBe(1);
    const audit = await store.audit(record.id);
    expect(audit.filter((e) => e.action === 'submitting')).toHaveLength(1);
  });
});

describe('the application, raced', () => {
  it('two apply steps on one renewed record (a stalled job redelivered): one UpdateInstance, one ApplyCertificate, nothing refused', async () => {
    const order = buildOrder();
    const { sim, store, ctx } = await steps([order]);
    const approved = await approvedRequest(store, order, {
      application: {
        domain: order.domain,
        validationMethod: 'DNS',
        keyAlgorithm: 'RSA_2048',
        contactIds: [testContactId],
      },
    });
    await submitStep(ctx, approved, { recordId: approved.id }, undefined);
    const submitted = (await store.get(approved.id)) as RenewalRecord;

    // Both runs read the record as `submitted` and the instance as `inactive` before either acts.
    const results = await Promise.all([
      applyStep(ctx, submitted, { recordId: submitted.id }, undefined),
      applyStep(ctx, submitted, { recordId: submitted.id }, undefined),
    ]);

    const calls = (action: string) => sim.sim.calls.filter((c) => c.action === action);
    expect(submitted.state).toBe('submitted');
    expect(calls('ApplyCertificate')).toHaveLength(1);
    // The claim comes before UpdateInstance: the run that lost it changes nothing in CAS.
    expect(calls('UpdateInstance')).toHaveLength(1);
    expect(sim.sim.calls.filter((c) => c.outcome?.startsWith('InvalidStatus'))).toEqual([]);
    expect(results.map((r) => r.kind).sort()).toEqual(['again', 'later']);
    expect((await store.get(submitted.id))?.state).toBe('applying');
  });
});

describe('reconciliation adopts only an order nobody else has', () => {
  it('a renewal of another order of the same domain is never taken as ours', async () => {
    const domain = 'shared.example.com';
    const [mine, theirs] = [oldOrder({ domain }), oldOrder({ domain })];
    const { sim, store, ctx } = await steps([mine, theirs]);
    const other = await approvedRequest(store, theirs);
    await submitStep(ctx, other, { recordId: other.id }, undefined);
    const theirNewOrder = (await store.get(other.id))?.newOrderId as string;
    // Our call never reaches CAS's renewal logic, and CAS answers 503: the outcome is unknown to us.
    sim.sim.faults.add({ action: 'RenewCertificateOrderForPackageRequest', fault: { kind: 'server-error' } });
    const record = await approvedRequest(store, mine);
    await submitStep(ctx, record, { recordId: record.id }, undefined);
    const unknown = await store.get(record.id);

    const step = await reconcileStep(ctx, unknown as NonNullable<typeof unknown>, { recordId: record.id });

    expect(theirNewOrder).toMatch(/^[0-9]+$/);
    expect(step).toEqual({ kind: 'done' });
    expect(await store.get(record.id)).toMatchObject({ state: 'needs_attention' });
    expect((await store.get(record.id))?.newOrderId).toBeUndefined();
    expect(await store.newOrderOwner(theirNewOrder)).toBe(other.id);
    expect(sim.sim.renewCount()).toBe(1);
  });

  it('our lost answer beside a renewal of the domain by another request: follows ours, not a guess between two', async () => {
    const domain = 'both.example.com';
    const [mine, theirs] = [oldOrder({ domain }), oldOrder({ domain })];
    const { sim, store, ctx } = await steps([mine, theirs]);
    const other = await approvedRequest(store, theirs);
    await submitStep(ctx, other, { recordId: other.id }, undefined);
    // CAS renews ours, but the answer never arrives.
    sim.sim.faults.add({
      action: 'RenewCertificateOrderForPackageRequest',
      fault: { kind: 'lost-response' },
    });
    const record = await approvedRequest(store, mine);
    await submitStep(ctx, record, { recordId: record.id }, undefined);
    const unknown = await store.get(record.id);

    await reconcileStep(ctx, unknown as NonNullable<typeof unknown>, { recordId: record.id });

    const ours = [...sim.sim.store.orders.values()].find((o) => o.renewedFrom === String(mine.orderId));
    expect(await store.get(record.id)).toMatchObject({ state: 'submitted', newOrderId: ours?.orderId });
    expect(sim.sim.renewCount()).toBe(2);
  });
});

describe('through Slack: a parallel renewal of the same domain', () => {
  let h: AppHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('our unconfirmed call ends in needs attention instead of reporting their renewal as ours', async () => {
    const domain = 'www.example.com';
    const [mine, theirs] = [
      oldOrder({ domain, renewScript: [{ type: 'certificate' }] }),
      oldOrder({ domain, renewScript: [{ type: 'certificate' }] }),
    ];
    h = await startAppHarness({ worker: {}, seed: { orders: [mine, theirs] } });
    const harness = h;
    const first = await openCard(harness, String(theirs.orderId));
    await harness.click('cert_approve', { user: approverId, messageTs: first.ts, value: first.value });
    await harness.slack.waitForCall(
      (c) => c.args.thread_ts === first.ts && /Renewal issued/.test(String(c.args.text)),
    );
    harness.cas.sim.faults.add({
      action: 'RenewCertificateOrderForPackageRequest',
      fault: { kind: 'server-error' },
    });

    const card = await openCard(harness, String(mine.orderId));
    await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    // CAS lists their renewal of the domain: the first Approve is refused and the card warns first; the
    // approver, having read it, approves again.
    const refused = await harness.slack.waitForResponse();
    const warned = await harness.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' &&
        c.args.ts === card.ts &&
        findButton(c.args.blocks, 'cert_approve')?.value !== card.value,
    );
    await harness.click('cert_approve', {
      user: approverId,
      messageTs: card.ts,
      value: findButton(warned.args.blocks, 'cert_approve')?.value,
    });
    await harness.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' &&
        c.args.ts === card.ts &&
        /Needs attention/.test(blocksText(c.args.blocks)),
      15_000,
    );

    expect(harness.slack.thread(channelId, card.ts).map((m) => m.text)).not.toContainEqual(
      expect.stringMatching(/Renewal issued|found new order/),
    );
    expect(refused.body.text).toContain(`order \`${mine.orderId}\` was renewed`);
    expect(harness.cas.sim.renewCount()).toBe(1);
  });
});
