import type { SimSeed } from '../../src/cas-sim/seed.ts';
import type { SeedSubscription } from '../../src/cas-sim/subscription-model.ts';
import type { RenewalRecord } from '../../src/renewals/record.ts';
import type { RenewalStore } from '../../src/renewals/store.ts';
import {
  type AppHarness,
  approverId,
  blocksText,
  channelId,
  findButton,
  type HarnessOptions,
  openCard,
  startAppHarness,
} from './app-harness.ts';
import { testContactId } from './cas.ts';
import { startTlsEndpoints } from './tls-endpoints.ts';

const day = 86_400_000;

/** The V2 subscription the rotation tests rotate, and its current certificate. */
export const rotated = { instanceId: 'cas-ivauto-rot1', domain: 'rot.example.com', certId: '900000001' };

/** A seeded subscription whose certificate (`rotated.certId`) ran 170 of its 200 days. */
export function rotationSubscription(extra: Partial<SeedSubscription> = {}): SeedSubscription {
  const now = Date.now();
  return {
    instanceId: rotated.instanceId,
    domain: rotated.domain,
    orderStartTime: now - 170 * day,
    orderEndTime: now + 200 * day,
    certificates: [{ certificateId: rotated.certId, notBefore: now - 170 * day, notAfter: now + 30 * day }],
    ...extra,
  };
}

/** V2 work on the simulator's clock, short enough for a test in real time. */
export const quickSubscriptions: SimSeed['subscriptionApi'] = { taskMs: 300, issueMs: 1_500, cancelMs: 100 };

/** Two resources serving the subscription's current certificate. */
const resources = [
  { id: '701', cloudProduct: 'CDN' as const, domain: rotated.domain, certId: rotated.certId },
  { id: '702', cloudProduct: 'ALB' as const, domain: `www.${rotated.domain}`, certId: rotated.certId },
];

/** What {@link startRotation} started: stop both after the test. */
export interface RotationRig {
  harness: AppHarness;
  tls: Awaited<ReturnType<typeof startTlsEndpoints>> | undefined;
}

/**
 * The app (and, unless `worker` is false, the worker) against a simulator seeded with `subscription`, two resources
 * serving its certificate over real local TLS endpoints, deployment on.
 */
export async function startRotation(
  subscription: SeedSubscription,
  options: {
    seed?: Partial<SimSeed>;
    env?: Record<string, string>;
    worker?: HarnessOptions['worker'] | false;
    appQueues?: HarnessOptions['appQueues'];
  } = {},
): Promise<RotationRig> {
  let h: AppHarness | undefined;
  const tls = await startTlsEndpoints(
    () => (h as AppHarness).cas.sim,
    resources.map((r) => r.domain),
  );
  h = await startAppHarness({
    ...(options.worker === false ? {} : { worker: options.worker ?? {} }),
    ...(options.appQueues ? { appQueues: options.appQueues } : {}),
    env: { CERT_DEPLOY: 'ask', CERT_TLS_RESOLVE: tls.resolve, ...options.env },
    seed: {
      subscriptions: [subscription],
      subscriptionApi: quickSubscriptions,
      resources,
      ...options.seed,
    },
  });
  return { harness: h, tls };
}

/** `/cert renew <instanceId>`, then Approve on the card that opens. */
export async function approveRotation(h: AppHarness, instanceId = rotated.instanceId) {
  const card = await openCard(h, instanceId);
  await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
  return card;
}

/** Simulator timings under which an application never issues by itself (a test withdraws it). */
export const neverIssues: Partial<SimSeed> = {
  subscriptionApi: { taskMs: 300, issueMs: 600_000, cancelMs: 100 },
};

/**
 * Approves a rotation (on a rig started with {@link neverIssues}), then withdraws its application in CAS once the
 * validation is asked for: it needs attention. Returns its card, the thread then and the card's attention update.
 */
export async function withdrawnRotation(h: AppHarness) {
  const card = await approveRotation(h);
  await threadUntil(h, card.ts, /Domain validation needed/);
  h.cas.sim.subscriptions.cancel(rotated.instanceId);
  const thread = await threadUntil(h, card.ts, /Needs attention/);
  const attentionCard = await h.slack.waitForCall(
    (c) =>
      c.method === 'chat.update' &&
      c.args.ts === card.ts &&
      /Needs attention/.test(blocksText(c.args.blocks)),
  );
  return { card, thread, attentionCard };
}

/** The thread's texts once a message matching `pattern` was posted in it. */
export async function threadUntil(h: AppHarness, ts: string, pattern: RegExp, timeoutMs = 20_000) {
  await h.slack.waitForCall(
    (c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts && pattern.test(String(c.args.text)),
    timeoutMs,
  );
  return h.slack.thread(channelId, ts).map((m) => m.text);
}

/** Clicks Deploy on the deployment card posted in the thread of `ts`. */
export async function deployFromCard(h: AppHarness, ts: string) {
  const deployCard = await h.slack.waitForCall(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.args.thread_ts === ts &&
      findButton(c.args.blocks, 'cert_deploy') !== undefined,
    20_000,
  );
  await h.waitForLog((e) => e.msg === 'deployment card posted' && e.ts === deployCard.response.ts);
  await h.click('cert_deploy', {
    user: approverId,
    messageTs: deployCard.response.ts as string,
    value: findButton(deployCard.args.blocks, 'cert_deploy')?.value,
  });
  return deployCard;
}

/** The CAS actions the simulator received, by name. */
export const callsOf = (h: AppHarness, action: string) => h.cas.sim.calls.filter((c) => c.action === action);

/** Applications CAS acted on for the subscription (by the API, not by hosting). */
export const applicationsActed = (h: AppHarness, instanceId = rotated.instanceId) =>
  h.cas.sim.subscriptions.mustGet(instanceId).attempts.filter((a) => a.by === 'api').length;

/** A rotation request of the seeded subscription, approved: in `submitted`, where its application step runs. */
export async function approvedRotationRequest(store: RenewalStore): Promise<RenewalRecord> {
  const created = await store.create({
    kind: 'rotation',
    orderId: rotated.instanceId,
    instanceId: rotated.instanceId,
    certIdBefore: rotated.certId,
    channelId: 'C0CERTS',
    requestedBy: 'U0REQUESTER',
    expiresAt: Date.now() + 60_000,
    domain: rotated.domain,
    application: {
      domain: rotated.domain,
      validationMethod: 'DNS',
      keyAlgorithm: 'RSA_2048',
      contactIds: [testContactId],
    },
  });
  if (!created.created) throw new Error('the instance already had a request');
  const approved = await store.transition(created.record.id, 'rotation_approved', { actor: approverId });
  if (!approved.ok) throw new Error('not approved');
  return approved.record as RenewalRecord;
}
