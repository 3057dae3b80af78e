import { describe, expect, it } from 'vitest';
import type { ThresholdOrder } from '../../src/alerts/alert.ts';
import { renderAlert } from '../../src/slack/alert-messages.ts';

const day = 86_400_000;
const end = Date.UTC(2030, 0, 10);

function order(i: number, overrides: Partial<ThresholdOrder> = {}): ThresholdOrder {
  return {
    orderId: String(7_000_000 + i),
    domain: `s${i}.example.com`,
    productName: 'DigiCert DV (plan)',
    status: 'WILLEXPIRED',
    certEndTime: end + i * day,
    daysLeft: 5,
    threshold: 7,
    ...overrides,
  };
}

const hostile = '<!channel> & <https://evil.example|co>';
const escaped = '&lt;!channel&gt; &amp; &lt;https://evil.example|co&gt;';

describe('alerts are rendered, and outside text escaped once, in the Slack layer', () => {
  it('escapes CAS text (domain, product) in expiring and expired alerts, in blocks and fallback text', () => {
    const bad = { domain: hostile, productName: hostile };
    const expiredOrder = {
      orderId: '7000009',
      domain: hostile,
      productName: hostile,
      certEndTime: end,
      threshold: 1,
    };

    const messages = renderAlert({
      kind: 'expiry',
      channel: 'C0ALERTS',
      expiring: [order(1, bad)],
      expired: [expiredOrder],
    });

    expect(messages).toHaveLength(2);
    for (const { message } of messages) {
      const rendered = JSON.stringify(message);
      expect(rendered).toContain(JSON.stringify(escaped).slice(1, -1));
      expect(rendered).not.toContain('<!channel>');
      expect(rendered).not.toContain('&amp;amp;');
      expect(message.text).toContain(escaped.split(' ')[0]);
    }
  });

  it('escapes the reason of a failing scan once', () => {
    const [notice] = renderAlert({ kind: 'scan_failing', channel: 'C0ALERTS', reason: hostile, failures: 2 });

    expect(notice?.message.text).toContain(`(2 runs in a row): ${escaped}.`);
    expect(JSON.stringify(notice?.message.blocks)).toContain(JSON.stringify(escaped).slice(1, -1));
  });

  it('splits past 20 orders; each expiring message carries its own orders, the expired one none', () => {
    const expiring = Array.from({ length: 21 }, (_, i) => order(i));

    const messages = renderAlert({
      kind: 'expiry',
      channel: 'C0ALERTS',
      expiring,
      expired: [
        { orderId: '7000099', domain: 'x.example.com', productName: 'p', certEndTime: end, threshold: 1 },
      ],
    });

    expect(messages.map((m) => m.orders.map((o) => o.orderId))).toEqual([
      expiring.slice(0, 20).map((o) => o.orderId),
      [expiring[20]?.orderId],
      [],
    ]);
    expect(messages.map((m) => m.message.text.split(':')[0])).toEqual([
      'Certificates expiring soon',
      'Certificates expiring soon',
      'Certificates expired without a renewal',
    ]);
  });

  it('renders the recovery notice as plain text', () => {
    expect(renderAlert({ kind: 'scan_recovered', channel: 'C0ALERTS' })).toEqual([
      { message: { text: ':white_check_mark: Expiry scanning works again.', blocks: [] }, orders: [] },
    ]);
  });
});
