import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { findPendingInstance } from '../../src/cas/instances.ts';
import type { Fault } from '../../src/cas-sim/faults.ts';
import { AppError } from '../../src/errors.ts';
import type { DeployTransitionName } from '../../src/renewals/deploy-transitions.ts';
import type { DeploymentRecord, DeployState } from '../../src/renewals/deployment-record.ts';
import type { RenewalRecord, RenewalState } from '../../src/renewals/record.ts';
import { accountScope } from '../../src/renewals/renew-lease.ts';
import { createRenewalStore, type RenewalStore } from '../../src/renewals/store.ts';
import type { TransitionName } from '../../src/renewals/transitions.ts';
import { runDeployStep } from '../../src/worker/deploy-run.ts';
import { runStep } from '../../src/worker/renewal-processor.ts';
import { testContactId } from '../support/cas.ts';
import { approvedRotationRequest, quickSubscriptions, rotationSubscription } from '../support/rotation.ts';
import { approvedRequest, oldOrder, startWorkerSteps } from '../support/worker-steps.ts';

type ClaimError = 'CLAIM_LOST' | 'REDIS_NOT_DURABLE';
/** How a claim fails: the fence or Redis's disk (the store's durable write), another run first, a lease held. */
type ClaimFailure = ClaimError | 'moved' | 'lease_held';

/** The durable write after a claim, failing once with the error set; it counts the claims it confirmed. */
function claimsThatFail() {
  const state = {
    next: undefined as ClaimError | undefined,
    failed: 0,
    confirmed: new Map<string, number>(),
  };
  const durable = async (claim: { state: string }) => {
    const failure = state.next;
    state.next = undefined;
    if (failure) {
      state.failed++;
      throw new AppError(failure, `the claim failed: ${failure}`, {
        retryable: failure === 'REDIS_NOT_DURABLE',
      });
    }
    state.confirmed.set(claim.state, (state.confirmed.get(claim.state) ?? 0) + 1);
  };
  return { state, durable };
}

/** The worker's steps with claims that fail on demand, and another writer (another run: no durable write). */
async function setUp(domain: string) {
  const claims = claimsThatFail();
  // Two orders of one domain: another request's unresolved call holds the renew lease of the first's domain.
  const [order, second] = [oldOrder({ domain }), oldOrder({ domain })];
  // A V2 subscription too, for the rotation's application (its own instance: no order of it).
  const seed = {
    subscriptions: [rotationSubscription()],
    subscriptionApi: quickSubscriptions,
    contacts: [{ contactId: testContactId, name: 'Platform team' }],
  };
  const steps = await startWorkerSteps([order, second], seed, { durable: () => claims.durable });
  cleanups.push(steps.cleanup);
  const other = createRenewalStore({ redis: steps.redis, prefix: steps.prefix });
  return { steps, other, claims, order, second };
}
type World = Awaited<ReturnType<typeof setUp>>;

const application = (domain: string) => ({
  domain,
  validationMethod: 'DNS' as const,
  keyAlgorithm: 'RSA_2048',
  contactIds: [testContactId],
});

async function moveAll(
  store: RenewalStore,
  id: string,
  moves: Array<[TransitionName, Partial<RenewalRecord>]>,
) {
  for (const [name, fields] of moves) {
    const moved = await store.transition(id, name, { actor: 'test', fields });
    expect(moved.ok).toBe(true);
  }
}

/** A user of the exactly-once skeleton: the calls its claim guards, and a request of it just before its claim. */
interface User {
  name: string;
  /** Every CAS action sent after the claim (the once-only call, and the idempotent ones it needs). */
  actions: string[];
  before: RenewalState | DeployState;
  claim: TransitionName | DeployTransitionName;
  /** The call is claimed on the request's deployment (its own record and table), not on the request. */
  deployment?: true;
  failures: ClaimFailure[];
  ready(world: World): Promise<string>;
}

const users: User[] = [
  {
    name: 'Renew',
    actions: ['RenewCertificateOrderForPackageRequest'],
    before: 'approved',
    claim: 'submitting',
    failures: ['CLAIM_LOST', 'REDIS_NOT_DURABLE', 'moved', 'lease_held'],
    ready: async ({ steps, order }) => (await approvedRequest(steps.store, order)).id,
  },
  {
    name: 'the application (UpdateInstance + ApplyCertificate)',
    actions: ['UpdateInstance', 'ApplyCertificate'],
    before: 'submitted',
    claim: 'applying',
    failures: ['CLAIM_LOST', 'REDIS_NOT_DURABLE', 'moved'],
    async ready({ steps, order }) {
      const record = await approvedRequest(steps.store, order, { application: application(order.domain) });
      await runStep(steps.ctx, record, { recordId: record.id }, undefined);
      // Its instance found, as the application step finds it first: the next thing the step does is its claim.
      const { newOrderId } = (await steps.store.get(record.id)) as RenewalRecord;
      const found = await findPendingInstance(steps.ctx.cas, newOrderId as string, order.domain);
      expect(found).toBeDefined();
      await moveAll(steps.store, record.id, [
        ['instance_found', { instanceId: found?.instanceId as string }],
      ]);
      expect((await steps.store.get(record.id))?.state).toBe('submitted');
      return record.id;
    },
  },
  {
    name: 'the rotation (UpdateInstance + ApplyCertificate on a V2 instance)',
    actions: ['UpdateInstance', 'ApplyCertificate'],
    before: 'submitted',
    claim: 'applying',
    failures: ['CLAIM_LOST', 'REDIS_NOT_DURABLE', 'moved'],
    async ready({ steps }) {
      const { id } = await approvedRotationRequest(steps.store);
      // Approved, a rotation waits where the application step runs: the next thing the step does is its claim.
      expect((await steps.store.get(id))?.state).toBe('submitted');
      return id;
    },
  },
  {
    name: 'CreateDeploymentJob',
    actions: ['CreateDeploymentJob'],
    before: 'deploy_approved',
    claim: 'deploy_creating',
    deployment: true,
    failures: ['CLAIM_LOST', 'REDIS_NOT_DURABLE', 'moved'],
    async ready({ other, order, steps }) {
      const { id } = await approvedRequest(steps.store, order);
      await moveAll(other, id, [
        ['submitting', {}],
        ['submitted', { newOrderId: '800000123' }],
        ['issued', {}],
      ]);
      const resources = [{ resourceId: '601', product: 'CDN', domain: order.domain }];
      const proposal = { requestId: id, channelId: 'C0CERTS', oldCertId: '2', newCertId: '1', resources };
      for (const [name, fields] of [
        ['deployment_proposed', proposal],
        ['deploy_approved', { run: 1 }],
      ] as const) {
        const moved = await other.deployments.transition(id, name, { actor: 'test', fields });
        expect(moved.ok).toBe(true);
      }
      return id;
    },
  },
];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The state of the record the user's call is claimed on. */
async function stateOf(world: World, user: User, id: string) {
  const records = user.deployment ? world.steps.store.deployments : world.steps.store;
  return (await records.get(id))?.state;
}

/** One worker run of the user's record, as the processor runs it (a deployment: its run 1). */
async function runOnce(world: World, user: User, id: string) {
  if (!user.deployment) {
    const record = (await world.steps.store.get(id)) as RenewalRecord;
    return runStep(world.steps.ctx, record, { recordId: id }, undefined);
  }
  const deployment = (await world.steps.store.deployments.get(id)) as DeploymentRecord;
  return runDeployStep(world.steps.ctx, deployment, { recordId: id, run: 1 }, undefined);
}

const callsOf = (world: World, user: User) =>
  world.steps.sim.sim.calls.filter((c) => user.actions.includes(c.action)).length;

/**
 * One worker run of a request whose claim fails as `failure` says. The request is read first, as a run does: a
 * claim "moved" is another run's, made after that read; a lease held is another request's unresolved call.
 */
async function runWithFailingClaim(world: World, user: User, id: string, failure: ClaimFailure) {
  const record = user.deployment
    ? await world.steps.store.deployments.get(id)
    : await world.steps.store.get(id);
  if (failure === 'moved' && user.deployment)
    await world.other.deployments.transition(id, user.claim as DeployTransitionName, {
      actor: 'other worker',
    });
  else if (failure === 'moved')
    await world.other.transition(id, user.claim as TransitionName, { actor: 'other worker' });
  if (failure === 'CLAIM_LOST' || failure === 'REDIS_NOT_DURABLE') world.claims.state.next = failure;
  if (failure === 'lease_held') {
    const holder = await approvedRequest(world.other, world.second);
    await world.other.transition(holder.id, 'submitting', {
      actor: 'other worker',
      lease: { scope: accountScope },
    });
  }
  const step = user.deployment
    ? await runDeployStep(world.steps.ctx, record as DeploymentRecord, { recordId: id, run: 1 }, undefined)
    : await runStep(world.steps.ctx, record as RenewalRecord, { recordId: id }, undefined);
  world.claims.state.next = undefined;
  return step;
}

describe.each(users)('the exactly-once skeleton, used by $name', (user) => {
  it.each(user.failures)('a claim that fails (%s): nothing is sent', async (failure) => {
    const world = await setUp(`once-${failure.toLowerCase()}.example.com`);
    const id = await user.ready(world);
    const sent = callsOf(world, user);

    const step = await runWithFailingClaim(world, user, id, failure);

    expect(callsOf(world, user) - sent).toBe(0);
    const state = await stateOf(world, user, id);
    // Handed back (or never taken), the request waits in the state before the claim and tries again later; a
    // claim that is another run's is left to it (this run hands nothing back: the record decides).
    const handedBack = failure === 'REDIS_NOT_DURABLE' || failure === 'lease_held';
    expect({ kind: step.kind, state }).toEqual(
      handedBack ? { kind: 'later', state: user.before } : { kind: 'again', state: user.claim },
    );
  });

  it('model-based: whatever runs, fails or is refused, a run whose claim failed sends nothing', async () => {
    const faults: Fault[] = [{ kind: 'throttle' }, { kind: 'drop' }, { kind: 'server-error' }];
    const command = (label: string, act: (world: World, id: string) => Promise<void>) =>
      ({
        check: () => true,
        run: async (_model: object, real: { world: World; id: string }) => {
          await act(real.world, real.id);
          // Every call the claim guards follows a claim Redis confirmed: one claim, at most one of each.
          for (const action of user.actions) {
            const calls = real.world.steps.sim.sim.calls.filter((c) => c.action === action).length;
            expect(calls).toBeLessThanOrEqual(real.world.claims.state.confirmed.get(user.claim) ?? 0);
          }
        },
        toString: () => label,
      }) satisfies fc.AsyncCommand<object, { world: World; id: string }>;
    const run = fc.constant(
      command('worker run', async (world, id) => {
        await runOnce(world, user, id);
      }),
    );
    const failing = fc.constantFrom(...user.failures.filter((f) => f !== 'lease_held')).map((failure) =>
      // Only a request about to claim can have its claim fail; in any other state the run sends none of these.
      command(`worker run, its claim failing (${failure})`, async (world, id) => {
        const sent = callsOf(world, user);
        await runWithFailingClaim(world, user, id, failure);
        expect(callsOf(world, user) - sent).toBe(0);
      }),
    );
    const fault = fc.constantFrom(...faults).map((f) =>
      command(`next ${user.actions.at(-1)}: ${f.kind}`, async (world) => {
        world.steps.sim.sim.faults.clear();
        world.steps.sim.sim.faults.add({ action: user.actions.at(-1) as string, fault: f });
      }),
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.commands([run, failing, failing, fault], { maxCommands: 12 }), async (cmds) => {
        const world = await setUp(`model-${user.claim}-${n++}.example.com`);
        const id = await user.ready(world);
        await fc.asyncModelRun(() => ({ model: {}, real: { world, id } }), cmds);
        for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
