import fc from 'fast-check';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { Fault } from '../../src/cas-sim/faults.ts';
import { createLogger } from '../../src/logging.ts';
import { type RenewalRecord, type RenewalState, renewalStates } from '../../src/renewals/record.ts';
import { createRenewalStore, type RenewalStore } from '../../src/renewals/store.ts';
import { runStep } from '../../src/worker/renewal-processor.ts';
import { createStepContext, type StepContext } from '../../src/worker/step-context.ts';
import { buildOrder, startCasSim, testContactId } from '../support/cas.ts';
import { deleteKeysWithPrefix, testRedisUrl, uniquePrefix } from '../support/redis.ts';
import { stepTimings } from '../support/step-timings.ts';

// DESIGN.md's sets, written out here (not read from the table), so a wrong membership column fails this test.
const openStates = new Set<RenewalState>([
  'requested',
  'approved',
  'submitting',
  'submitted',
  'applying',
  'validating',
  'reviewing',
]);
const workerStates = new Set<RenewalState>([...[...openStates].filter((s) => s !== 'requested')]);

/** What the test remembers: the requests it opened, in order (commands pick one by index). */
interface Model {
  ids: string[];
}

/** The real system: the store on real Redis, the worker's steps, the CAS simulator. */
interface Real {
  store: RenewalStore;
  ctx: StepContext;
  sim: Awaited<ReturnType<typeof startCasSim>>;
  redis: Redis;
  prefix: string;
  orderIds: string[];
  domains: string[];
}

const pick = (model: Model, i: number) => model.ids[i % Math.max(1, model.ids.length)];

/** Reads every request and checks DESIGN.md's invariants against Redis and CAS. */
async function checkInvariants(real: Real, model: Model): Promise<void> {
  const records = (await Promise.all(model.ids.map((id) => real.store.get(id)))).filter(
    (r): r is RenewalRecord => r !== undefined,
  );
  for (const orderId of real.orderIds) {
    const mine = records.filter((r) => r.orderId === orderId);
    const open = mine.filter((r) => openStates.has(r.state));
    // One open request per order, and the index names exactly it: nothing waits on a dead end.
    expect(open.length).toBeLessThanOrEqual(1);
    expect(await real.redis.get(`${real.prefix}:order-open:${orderId}`)).toBe(open[0]?.id ?? null);
    // At most one paid call per approved request, whatever ran twice, crashed or got no answer.
    const claimed = [];
    for (const r of mine)
      if ((await real.store.audit(r.id)).some((e) => e.action === 'submitting')) claimed.push(r);
    const renewals = [...real.sim.sim.store.orders.values()].filter((o) => o.renewedFrom === orderId);
    expect(renewals.length).toBeLessThanOrEqual(claimed.length);
  }
  // At most one ApplyCertificate that CAS acted on per instance (a second one would be refused, or worse).
  const acted = real.sim.sim.calls.filter(
    (c) =>
      c.action === 'ApplyCertificate' &&
      !['Throttling.User', 'dropped', 'ServiceUnavailable'].includes(c.outcome ?? ''),
  );
  const perInstance = new Map<string, number>();
  for (const c of acted)
    perInstance.set(c.params.InstanceId ?? '', (perInstance.get(c.params.InstanceId ?? '') ?? 0) + 1);
  for (const [instanceId, n] of perInstance) expect({ instanceId, n }).toEqual({ instanceId, n: 1 });
  // Never a blind second application: nothing asks CAS to change or submit an application it already has.
  expect(
    real.sim.sim.calls.filter(
      (c) => c.outcome === 'InvalidStatus.Instance' || c.outcome === 'InvalidStatus.Apply',
    ),
  ).toEqual([]);
  expect(new Set(await real.redis.zrange(`${real.prefix}:active`, '0', '-1'))).toEqual(
    new Set(records.filter((r) => workerStates.has(r.state)).map((r) => r.id)),
  );
  expect(new Set(await real.redis.smembers(`${real.prefix}:pending-approvals`))).toEqual(
    new Set(records.filter((r) => r.state === 'requested').map((r) => r.id)),
  );
  for (const r of records) {
    expect(renewalStates).toContain(r.state);
    if (!r.newOrderId) continue;
    // A followed order belongs to this request alone, and (unless a person named it) CAS made it from this order.
    expect(await real.store.newOrderOwner(r.newOrderId)).toBe(r.id);
    if (r.state !== 'resolved') expect(real.sim.sim.store.get(r.newOrderId)?.renewedFrom).toBe(r.orderId);
  }
}

/** A command: `act` changes the real system; the invariants are checked after every one. */
function command(
  label: string,
  act: (model: Model, real: Real) => Promise<void>,
): fc.AsyncCommand<Model, Real> {
  return {
    check: () => true,
    async run(model, real) {
      await act(model, real);
      await checkInvariants(real, model);
    },
    toString: () => label,
  };
}

const faults: Fault[] = [
  { kind: 'throttle' },
  { kind: 'server-error' },
  { kind: 'drop' },
  { kind: 'lost-response' },
  { kind: 'error-after-acting' },
];

const open = fc.nat(2).map((o) =>
  command(`open(order ${o})`, async (model, real) => {
    const created = await real.store.create({
      orderId: real.orderIds[o] as string,
      channelId: 'C0CERTS',
      requestedBy: 'U0REQUESTER',
      expiresAt: Date.now() + 60_000,
      domain: `model-${o}.example.com`,
      application: {
        domain: `model-${o}.example.com`,
        validationMethod: 'DNS',
        keyAlgorithm: 'RSA_2048',
        contactIds: [testContactId],
      },
    });
    if (created.created) model.ids.push(created.record.id);
  }),
);
const decide = (name: 'approved' | 'rejected' | 'expired') =>
  fc.nat(20).map((i) =>
    command(`${name}(#${i})`, async (model, real) => {
      const id = pick(model, i);
      if (id) await real.store.transition(id, name, { actor: 'U0APPROVER' });
    }),
  );
const run = fc.nat(20).map((i) =>
  command(`worker run(#${i})`, async (model, real) => {
    const record = await real.store.get(pick(model, i) ?? '');
    if (record) await runStep(real.ctx, record, { recordId: record.id }, undefined);
  }),
);

// Weighted by repetition: requests must be opened, approved and run often for the rest to matter.
const commands = [
  open,
  open,
  decide('approved'),
  decide('approved'),
  decide('rejected'),
  decide('expired'),
  run,
  run,
  run,
  run,
  run,
  run,
  fc.nat(20).map((i) =>
    command(`two worker runs at once, after a stall (#${i})`, async (model, real) => {
      const record = await real.store.get(pick(model, i) ?? '');
      if (!record) return;
      await Promise.all([
        runStep(real.ctx, record, { recordId: record.id }, undefined),
        runStep(real.ctx, record, { recordId: record.id }, undefined),
      ]);
    }),
  ),
  fc.nat(20).map((i) =>
    command(`worker killed after its claim, before the call (#${i})`, async (model, real) => {
      const id = pick(model, i);
      if (id)
        await real.store.transition(id, 'submitting', {
          actor: 'worker',
          fields: { submittingAt: Date.now() },
        });
    }),
  ),
  fc.constantFrom(...faults).map((fault) =>
    command(`next renew: ${fault.kind}`, async (_model, real) => {
      real.sim.sim.faults.clear();
      real.sim.sim.faults.add({ action: 'RenewCertificateOrderForPackageRequest', fault });
    }),
  ),
  fc.constantFrom(...faults).map((fault) =>
    command(`next application: ${fault.kind}`, async (_model, real) => {
      real.sim.sim.faults.clear();
      real.sim.sim.faults.add({ action: 'ApplyCertificate', fault });
    }),
  ),
  fc.nat(20).map((i) =>
    command(`worker killed after its application claim, before the call (#${i})`, async (model, real) => {
      const id = pick(model, i);
      if (id)
        await real.store.transition(id, 'applying', { actor: 'worker', fields: { applyingAt: Date.now() } });
    }),
  ),
  fc.nat(20).map((i) =>
    command(`check CAS again(#${i})`, async (model, real) => {
      const record = await real.store.get(pick(model, i) ?? '');
      if (record?.state !== 'needs_attention') return;
      await real.store.transition(record.id, record.newOrderId ? 'recheck_new_order' : 'recheck', {
        actor: 'U0APPROVER',
      });
    }),
  ),
  fc.tuple(fc.nat(20), fc.boolean(), fc.nat(5)).map(([i, renewed, n]) =>
    command(`close(#${i}, ${renewed ? `renewed as new order ${n}` : 'not renewed'})`, async (model, real) => {
      const id = pick(model, i);
      if (!id) return;
      // A person may name an order CAS made (possibly one another request follows) or one it did not.
      const made = [...real.sim.sim.store.orders.values()].filter((o) => o.renewedFrom).map((o) => o.orderId);
      const newOrderId = made[n % Math.max(1, made.length)] ?? `77${n}`;
      await (renewed
        ? real.store.transition(id, 'resolved_renewed', { actor: 'U0APPROVER', fields: { newOrderId } })
        : real.store.transition(id, 'resolved', { actor: 'U0APPROVER' }));
    }),
  ),
];

describe('the renewal state machine, model-based', () => {
  it('keeps every invariant through random clicks, worker runs, races, crashes and CAS answers', async () => {
    const logger = createLogger({ level: 'silent' });
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 50, size: '+1' }), async (cmds) => {
        const orders = [0, 1, 2].map(() => buildOrder({ buyDate: Date.now() - 300 * 86_400_000 }));
        const sim = await startCasSim({
          orders,
          qps: {},
          packages: [{ productCode: 'digicert-dv-1-plan', totalCount: 1_000, usedCount: 0 }],
        });
        const redis = new Redis(testRedisUrl());
        const prefix = uniquePrefix('model');
        const store = createRenewalStore({ redis, prefix });
        const ctx = createStepContext({
          store,
          cas: sim.client({ timeoutMs: 500 }),
          deliver: async () => ({ done: true }),
          logger,
          now: Date.now,
          timings: stepTimings(),
        });
        const real: Real = {
          store,
          ctx,
          sim,
          redis,
          prefix,
          orderIds: orders.map((o) => String(o.orderId)),
          domains: orders.map((o) => o.domain),
        };
        try {
          await fc.asyncModelRun(() => ({ model: { ids: [] }, real }), cmds);
        } finally {
          await sim.close();
          await deleteKeysWithPrefix(redis, prefix);
          redis.disconnect();
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
