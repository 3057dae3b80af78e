import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppHarness,
  approverId,
  openCard,
  rejectViaModal,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { deploymentTests, threadUntil } from '../support/deployment.ts';

const { upToDeployCard } = deploymentTests();

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Keys that are bounded by what is open (swept as requests move), or BullMQ's own (trimmed by its options). */
const bounded = [
  /:active$/,
  /:deploy-active$/,
  /:pending-approvals$/,
  /:outbox-pending$/,
  /:alerted-orders$/,
  /:(renewals|approvals|scans):/,
];

describe('retention', () => {
  it('every key written for a finished request expires with it; what is left is bounded', async () => {
    const [renewed, rejected] = [buildOrder({ renewScript: [{ type: 'certificate' }] }), buildOrder()];
    h = await startAppHarness({ worker: {}, seed: { orders: [renewed, rejected] } });
    const harness = h;
    const first = await openCard(harness, String(renewed.orderId));
    await harness.click('cert_approve', { user: approverId, messageTs: first.ts, value: first.value });
    await harness.slack.waitForCall(
      (c) => c.args.thread_ts === first.ts && /Renewal issued/.test(String(c.args.text)),
    );
    const second = await openCard(harness, String(rejected.orderId));
    await rejectViaModal(harness, second, null);
    await harness.slack.waitForCall(
      (c) => c.args.thread_ts === second.ts && /Rejected by/.test(String(c.args.text)),
    );

    const keys = await harness.app.redis.keys(`${harness.prefix}:*`);
    const unbounded = [];
    for (const key of keys) {
      if (bounded.some((pattern) => pattern.test(key))) continue;
      const ttl = await harness.app.redis.pttl(key);
      // -1: no expiry (-2: gone since it was listed).
      if (ttl === -1) unbounded.push(key);
    }

    expect(unbounded).toEqual([]);
    expect(
      keys.filter((k) => /:(renewal|audit|card|order-latest|new-order):/.test(k)).length,
    ).toBeGreaterThanOrEqual(7);
    expect(await harness.app.redis.zcard(`${harness.prefix}:active`)).toBe(0);
  });

  it("a deployment is kept as long as its request, and they expire together (its moves keep the request's keys)", async () => {
    const { card, harness, deployTs, deployValue } = await upToDeployCard({
      resources: [{ id: '601', cloudProduct: 'CDN', domain: 'shop.example.com', regionId: 'cn-hangzhou' }],
    });
    const request = `${harness.prefix}:renewal:${card.recordId}`;
    const audit = `${harness.prefix}:audit:${card.recordId}`;
    const deployment = `${harness.prefix}:deployment:${card.recordId}`;
    // As if the request was issued long ago: its keys are a minute from expiring when a person deploys.
    for (const key of [request, audit]) await harness.app.redis.pexpire(key, 60_000);

    await harness.click('cert_deploy', { user: approverId, messageTs: deployTs, value: deployValue });
    await threadUntil(harness, card.ts, /Serving the new certificate on/);
    const requestTtl = await harness.app.redis.pttl(request);
    const auditTtl = await harness.app.redis.pttl(audit);
    const deploymentTtl = await harness.app.redis.pttl(deployment);

    expect(deploymentTtl).toBeGreaterThan(86_400_000);
    // The deployment's moves started the clock again for its request and the trail: they expire together.
    expect(Math.abs(requestTtl - deploymentTtl)).toBeLessThan(1_000);
    expect(Math.abs(auditTtl - deploymentTtl)).toBeLessThan(1_000);
    expect(await harness.app.redis.zcard(`${harness.prefix}:deploy-active`)).toBe(0);
  });
});
