import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppHarness,
  approverId,
  openCard,
  rejectViaModal,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Keys that are bounded by what is open (swept as requests move), or BullMQ's own (trimmed by its options). */
const bounded = [
  /:active$/,
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
});
