import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppHarness,
  approverId,
  blocksText,
  channelId,
  openCard,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Opens a card for a fresh order, approves it, and returns what is needed to follow the thread. */
async function approveNewOrder(
  options: Parameters<typeof startAppHarness>[0] & { order?: Parameters<typeof buildOrder>[0] },
) {
  const order = buildOrder({ domain: 'shop.example.com', ...options.order });
  h = await startAppHarness({ worker: {}, ...options, seed: { orders: [order], ...options.seed } });
  const card = await openCard(h, String(order.orderId));
  await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.recordId });
  return { order, ts: card.ts, recordId: card.recordId as string, harness: h };
}

async function finalMessage(harness: AppHarness, ts: string, pattern: RegExp, timeoutMs = 15_000) {
  await harness.slack.waitForCall(
    (c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts && pattern.test(String(c.args.text)),
    timeoutMs,
  );
  return harness.slack.thread(channelId, ts).map((m) => m.text);
}

describe('a renewal from approval to issued', () => {
  it('with DNS validation: every step in the thread, instructions once, the final message names the new order', async () => {
    const { order, ts, recordId, harness } = await approveNewOrder({
      seed: {
        renewScript: [
          { type: 'payed', polls: 2 },
          { type: 'domain_verify', validation: 'DNS', polls: 3 },
          { type: 'process', polls: 2 },
          { type: 'certificate' },
        ],
      },
    });

    const thread = await finalMessage(harness, ts, /Renewal issued/);

    const newOrderId = harness.cas.sim.calls.find((c) => c.action === 'DescribeCertificateState')?.params
      .OrderId as string;
    expect(thread).toEqual([
      expect.stringMatching(/^:inbox_tray: Approved by/),
      `:arrows_counterclockwise: Renewing order \`${order.orderId}\` in CAS…`,
      `:arrows_counterclockwise: CAS accepted the renewal: new order \`${newOrderId}\`, pending application. I will follow it here.`,
      expect.stringContaining('is pending application in CAS'),
      [
        ':mag: *Domain validation needed* for shop.example.com: add this DNS record.',
        '• Name: `_dnsauth.shop.example.com`',
        '• Type: `TXT`',
        `• Value: \`2024sim${newOrderId}auth\``,
        'CAS checks it automatically; I will post here when it moves on.',
      ].join('\n'),
      `:mag: Domain validated; the CA is reviewing new order \`${newOrderId}\`.`,
      expect.stringMatching(
        new RegExp(
          `^:white_check_mark: Renewal issued: new order \`${newOrderId}\`\\.\\n• Subject: \`CN=shop\\.example\\.com\`\\n• SANs: \`shop\\.example\\.com\`\\n• Not after: .+\\n• Serial: \`[0-9A-F]+\`\\n• SHA-256: \`([0-9A-F]{2}:){31}[0-9A-F]{2}\`\\nCAS generated the key pair`,
        ),
      ),
    ]);
    expect(harness.cas.sim.renewCount()).toBe(1);
    const finalCard = await harness.slack.waitForCall(
      (c) => c.method === 'chat.update' && blocksText(c.args.blocks).includes('Issued'),
    );
    expect(blocksText(finalCard.args.blocks)).toContain(`Issued (new order \`${newOrderId}\`)`);
    const record = await harness.app.redis.hgetall(`${harness.prefix}:renewal:${recordId}`);
    expect(record).toMatchObject({ state: 'issued', newOrderId, casState: 'certificate' });
    expect(await harness.app.redis.exists(`${harness.prefix}:order-open:${order.orderId}`)).toBe(0);
  });
});
