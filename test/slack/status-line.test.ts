import { afterEach, describe, expect, it } from 'vitest';
import { statusLineMax } from '../../src/slack/status-line.ts';
import {
  type AppHarness,
  approverId,
  blocksText,
  findButton,
  openCard,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe("the card's status line", () => {
  it('a 5,000-character CAS message: the card update is accepted, clipped with an ellipsis, with its buttons', async () => {
    const order = buildOrder({ domain: 'long.example.com' });
    h = await startAppHarness({ worker: {}, seed: { orders: [order] } });
    const harness = h;
    const card = await openCard(harness, String(order.orderId));
    const casMessage = `The domain is invalid: ${'x'.repeat(5_000)}`;
    harness.cas.sim.faults.add({
      action: 'ApplyCertificate',
      fault: { kind: 'error', status: 400, code: 'InvalidParameter.Domain', message: casMessage },
    });

    await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    const update = await harness.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' &&
        c.args.ts === card.ts &&
        blocksText(c.args.blocks).includes('Needs attention'),
      20_000,
    );

    expect(update.response).toMatchObject({ ok: true });
    expect(findButton(update.args.blocks, 'cert_recheck')).toBeDefined();
    expect(findButton(update.args.blocks, 'cert_resolve')).toBeDefined();
    const status = (
      update.args.blocks as Array<{ block_id?: string; elements?: Array<{ text: string }> }>
    ).find((b) => b.block_id === 'status')?.elements?.[0]?.text;
    expect(status?.length).toBeLessThanOrEqual(statusLineMax);
    expect(status).toMatch(/xxx…$/);
  });
});
