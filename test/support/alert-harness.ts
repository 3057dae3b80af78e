import type { SeedOrder } from '../../src/cas-sim/seed.ts';
import { type DeployTransitionName, deployTransitions } from '../../src/renewals/deploy-transitions.ts';
import { createRenewalStore } from '../../src/renewals/store.ts';
import type { TransitionName } from '../../src/renewals/transitions.ts';
import { type AppHarness, requesterId, startAppHarness } from './app-harness.ts';
import { buildOrder } from './cas.ts';

/** One day, milliseconds. */
export const day = 86_400_000;

/**
 * A harness (app and worker) whose clock the test moves; orders expire `days` after `start` (plus 6 h, so days
 * are whole). `start` must be real time: the app checks Slack signatures against this clock.
 */
export async function startAlertHarness(
  start: number,
  ordersByDays: Array<number | (Partial<SeedOrder> & { days: number })>,
  env: Record<string, string> = {},
) {
  let now = start;
  const orders = ordersByDays.map((o) => {
    const { days, ...rest } = typeof o === 'number' ? { days: o } : o;
    return buildOrder({
      certEndTime: start + days * day + 6 * 3600_000,
      status: days <= 30 ? 'WILLEXPIRED' : 'ISSUED',
      ...rest,
    });
  });
  const harness = await startAppHarness({
    seed: { orders, qps: { ListUserCertificateOrder: 10 } },
    worker: {},
    now: () => now,
    env: { CERT_ALERT_CHANNEL: 'C0ALERTS', ...env },
  });
  return { orders, advance: (days: number) => (now += days * day), harness };
}

/** The expiry alerts posted so far (top-level messages, not thread replies). */
export function alertPosts(harness: AppHarness) {
  return harness.slack.calls.filter(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.args.thread_ts === undefined &&
      String(c.args.text).startsWith('Certificates expiring soon'),
  );
}

/** The final "expired without a renewal" alerts posted so far. */
export function expiredPosts(harness: AppHarness) {
  return harness.slack
    .okCalls('chat.postMessage')
    .filter((c) => String(c.args.text).startsWith('Certificates expired without a renewal'));
}

/**
 * Moves a new request of `orderId` through `steps`, as the worker and the people would (the new order is
 * `9<orderId>`; a Close records what the person found); throws if a move is refused. Returns the request ID.
 */
export async function requestThrough(
  harness: AppHarness,
  orderId: string,
  steps: readonly (TransitionName | DeployTransitionName)[],
): Promise<string> {
  const store = createRenewalStore({ redis: harness.app.redis, prefix: harness.prefix });
  const created = await store.create({
    orderId,
    channelId: 'C0CERTS',
    requestedBy: requesterId,
    expiresAt: Date.now() + day,
  });
  if (!created.created) throw new Error(`order ${orderId} already has an open request`);
  const resolution = { resolved_renewed: 'renewed', resolved: 'not_renewed' } as const;
  for (const step of steps) {
    const closed = step === 'resolved_renewed' || step === 'resolved' ? resolution[step] : undefined;
    const fields = { newOrderId: `9${orderId}`, ...(closed ? { resolution: closed } : {}) };
    const id = created.record.id;
    // A step of the deployment's table moves the request's deployment (proposed with what it needs).
    const proposal = { requestId: id, channelId: 'C0CERTS', oldCertId: '1', newCertId: '2' };
    const moved =
      step in deployTransitions
        ? await store.deployments.transition(id, step as DeployTransitionName, {
            actor: 'test',
            fields: proposal,
          })
        : await store.transition(id, step as TransitionName, { actor: 'test', fields });
    if (!moved.ok) throw new Error(`${step} refused: ${moved.reason}`);
  }
  return created.record.id;
}
