import { once } from 'node:events';
import { Job, Queue, QueueEvents } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { HeldRequest } from '../../src/cas-sim/faults.ts';
import { renewalJobId } from '../../src/jobs/queues.ts';
import {
  type AppHarness,
  approverId,
  channelId,
  childRoleEnv,
  findButton,
  openCard,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { testRedis } from '../support/redis.ts';
import { startTlsEndpoints } from '../support/tls-endpoints.ts';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.ts';

let h: AppHarness | undefined;
let tls: Awaited<ReturnType<typeof startTlsEndpoints>> | undefined;
const workers: WorkerProcess[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.kill();
  await h?.stop();
  await tls?.close();
  h = undefined;
  tls = undefined;
});

/** Waits for the simulator to park a request of `action` (releasing any other it parks meanwhile). */
async function heldRequest(harness: AppHarness, action: string): Promise<HeldRequest> {
  const timeout = AbortSignal.timeout(15_000);
  for (;;) {
    const [held] = (await once(harness.cas.sim.events, 'held', { signal: timeout })) as [HeldRequest];
    if (held.action === action) return held;
    held.release('answer');
  }
}

/** Waits until the request's renewal job has finished (completed or failed). */
async function renewalJobFinished(harness: AppHarness, recordId: string | undefined): Promise<void> {
  const connection = testRedis();
  const queue = new Queue('renewals', { connection, prefix: harness.prefix });
  const events = new QueueEvents('renewals', { connection: testRedis(), prefix: harness.prefix });
  try {
    await events.waitUntilReady();
    const job = await Job.fromId(queue, renewalJobId(String(recordId)));
    await job?.waitUntilFinished(events, 15_000);
  } finally {
    await events.close();
    await queue.close();
    connection.disconnect();
  }
}

/**
 * The crash: once CAS holds `action`, SIGKILLs `first`, lets the held request go unanswered, starts a new worker
 * with `env`, and waits until the request's thread says `ending`.
 */
async function killDuringThenRestart(
  harness: AppHarness,
  action: string,
  first: WorkerProcess,
  env: Record<string, string>,
  threadTs: string,
  ending: RegExp,
): Promise<void> {
  const held = await heldRequest(harness, action);
  await first.kill();
  held.release('drop');
  workers.push(await spawnWorker(env));
  await harness.slack.waitForCall(
    (c) =>
      c.method === 'chat.postMessage' && c.args.thread_ts === threadTs && ending.test(String(c.args.text)),
    30_000,
  );
}

describe('a worker process killed with SIGKILL around the paid call, then a new one started', () => {
  it.each([
    [
      'before CAS acted on the renew call',
      'RenewCertificateOrderForPackageRequest',
      false,
      0,
      /Needs attention/,
    ],
    [
      'after CAS renewed, before its answer arrived',
      'RenewCertificateOrderForPackageRequest',
      true,
      1,
      /Renewal issued/,
    ],
    [
      'after the renewal was recorded, during the first poll',
      'DescribeCertificateState',
      false,
      1,
      /Renewal issued/,
    ],
  ] as const)(
    '%s: at most one renewal, and the request ends issued or needs attention',
    async (_label, action, afterActing, renewals, ending) => {
      const order = buildOrder({
        domain: 'crash.example.com',
        renewScript: [{ type: 'domain_verify' }, { type: 'certificate' }],
      });
      h = await startAppHarness({ seed: { orders: [order] } });
      h.cas.sim.faults.add({ action, fault: { kind: 'hold', afterActing } });
      const first = await spawnWorker(childRoleEnv(h));
      workers.push(first);
      const card = await openCard(h, String(order.orderId));
      await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });

      await killDuringThenRestart(h, action, first, childRoleEnv(h), card.ts, ending);

      expect(first.child.signalCode).toBe('SIGKILL');
      expect(
        h.cas.sim.calls.filter((c) => c.action === 'RenewCertificateOrderForPackageRequest'),
      ).toHaveLength(1);
      expect(h.cas.sim.renewCount()).toBe(renewals);
      const state = await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state');
      expect(state).toBe(renewals === 0 ? 'needs_attention' : 'issued');
      const thread = h.slack.thread(channelId, card.ts).map((m) => m.text);
      expect(thread.filter((t) => t.startsWith(':mag: *Domain validation needed*'))).toHaveLength(renewals);
    },
  );
});

describe('a worker process killed with SIGKILL around the application, then a new one started', () => {
  it.each([
    ['after UpdateInstance, before CAS took ApplyCertificate', false],
    ['right after CAS took ApplyCertificate, before its answer arrived', true],
  ] as const)('%s: exactly one application, and the renewal ends issued', async (_label, afterActing) => {
    const order = buildOrder({
      domain: 'apply-crash.example.com',
      renewScript: [{ type: 'payed' }, { type: 'domain_verify' }, { type: 'certificate' }],
    });
    // CAS's reads may lag behind the application: the new worker must wait out the settle time, not re-apply.
    h = await startAppHarness({ seed: { orders: [order], renewal: { applyVisibleAfterMs: 5_000 } } });
    h.cas.sim.faults.add({ action: 'ApplyCertificate', fault: { kind: 'hold', afterActing } });
    const env = childRoleEnv(h, { CERT_RECONCILE_SETTLE_SECONDS: '5' });
    const first = await spawnWorker(env);
    workers.push(first);
    const card = await openCard(h, String(order.orderId));
    await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });

    await killDuringThenRestart(h, 'ApplyCertificate', first, env, card.ts, /Renewal issued|Needs attention/);

    expect(first.child.signalCode).toBe('SIGKILL');
    const newOrderId = (await h.app.redis.hget(
      `${h.prefix}:renewal:${card.recordId}`,
      'newOrderId',
    )) as string;
    expect(h.cas.sim.renewCount()).toBe(1);
    expect(h.cas.sim.applications(newOrderId)).toBe(1);
    // Before CAS acted, the one application is the second worker's; after, the second worker only read the instance.
    expect(h.cas.sim.calls.filter((c) => c.action === 'ApplyCertificate')).toHaveLength(afterActing ? 1 : 2);
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('issued');
  });
});

describe('a worker process killed with SIGKILL around CreateDeploymentJob, then a new one started', () => {
  it.each([
    ['before CAS acted on it', false, 2],
    ['after CAS created the job, before its answer arrived', true, 1],
  ] as const)('%s: exactly one job, and the deployment ends checked', async (_label, afterActing, calls) => {
    const order = buildOrder({ domain: 'deploy-crash.example.com', renewScript: [{ type: 'certificate' }] });
    tls = await startTlsEndpoints(
      () => (h as AppHarness).cas.sim,
      ['deploy-crash.example.com', 'www.deploy-crash.example.com'],
    );
    h = await startAppHarness({
      env: { CERT_DEPLOY: 'ask', CERT_DEPLOY_PRODUCTS: 'CDN' },
      seed: {
        orders: [order],
        resources: [
          { id: '701', cloudProduct: 'CDN', domain: 'deploy-crash.example.com', servesOrder: order.orderId },
          {
            id: '702',
            cloudProduct: 'CDN',
            domain: 'www.deploy-crash.example.com',
            servesOrder: order.orderId,
          },
        ],
      },
    });
    const env = childRoleEnv(h, {
      CERT_DEPLOY: 'ask',
      CERT_DEPLOY_PRODUCTS: 'CDN',
      CERT_TLS_RESOLVE: tls.resolve,
    });
    const first = await spawnWorker(env);
    workers.push(first);
    const card = await openCard(h, String(order.orderId));
    await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    const deployCard = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && findButton(c.args.blocks, 'cert_deploy') !== undefined,
      30_000,
    );
    // Clicks match the card once its poster stored where it is.
    await first.waitForLog((e) => e.msg === 'deployment card posted' && e.ts === deployCard.response.ts);
    // The deployment runs in a job of its own: the renewal job has finished delivering before the crash, so the
    // killed process holds no lock of the thread's outbox (that would hold the thread back until it expired).
    await renewalJobFinished(h, card.recordId);
    h.cas.sim.faults.add({ action: 'CreateDeploymentJob', fault: { kind: 'hold', afterActing } });
    await h.click('cert_deploy', {
      user: approverId,
      messageTs: deployCard.response.ts as string,
      value: findButton(deployCard.args.blocks, 'cert_deploy')?.value,
    });

    await killDuringThenRestart(h, 'CreateDeploymentJob', first, env, card.ts, /Serving the new certificate/);

    expect(first.child.signalCode).toBe('SIGKILL');
    expect(h.cas.sim.deployments.jobs.size).toBe(1);
    expect(h.cas.sim.calls.filter((c) => c.action === 'CreateDeploymentJob')).toHaveLength(calls);
    expect(h.slack.thread(channelId, card.ts).at(-1)?.text).toBe(
      ':white_check_mark: Serving the new certificate on 2 of 2 endpoints.',
    );
  });
});

describe('SIGTERM', () => {
  it('lets the worker finish its step and exit 0', async () => {
    const order = buildOrder({ renewScript: [{ type: 'payed' }] });
    h = await startAppHarness({ seed: { orders: [order] } });
    const worker = await spawnWorker({
      ...childRoleEnv(h),
      CERT_POLL_MIN_SECONDS: '5',
      CERT_POLL_MAX_SECONDS: '5',
    });
    workers.push(worker);
    const card = await openCard(h, String(order.orderId));
    await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    await h.slack.waitForCall(
      (c) => c.args.thread_ts === card.ts && String(c.args.text).startsWith(':memo: Application submitted'),
      15_000,
    );

    const code = await worker.stop();

    expect(code).toBe(0);
    expect(worker.lines.some((l) => l.includes('"msg":"shutting down"'))).toBe(true);
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('applying');
  });
});
