import { afterEach, describe, expect, it } from 'vitest';
import { type AppHarness, approverId, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('who may read /cert list and /cert status', () => {
  it('with CERT_READERS: listed readers and approvers may; anyone else is told who may, and CAS is not asked', async () => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] }, env: { CERT_READERS: 'U0READER' } });
    const harness = h;

    await harness.command('list', 'U0GUEST');
    const refused = await harness.slack.waitForResponse();
    const listsBefore = harness.cas.sim.calls.filter((c) => c.action === 'ListUserCertificateOrder').length;
    await harness.command(`status ${order.orderId}`, 'U0READER');
    const reader = await harness.slack.waitForResponse((r) => r !== refused);
    await harness.command('list', approverId);
    const approver = await harness.slack.waitForResponse((r) => r !== refused && r !== reader);

    expect(refused.body.text).toBe(
      'Only <@U0READER>, <@U0APPROVER>, <@U0APPROVER2> can see expiring certificates and renewal requests here.',
    );
    expect(listsBefore).toBe(0);
    expect(reader.body.text).toContain('No renewal request for order');
    expect(approver.body.text).toMatch(/Expiring within|No plan orders expire/);
  });

  it('without CERT_READERS, anyone may, 10 times a minute', async () => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] } });
    const harness = h;

    for (let i = 0; i < 11; i++) await harness.command(`status ${order.orderId}`, 'U0ANYONE');
    const answers: Array<Awaited<ReturnType<typeof harness.slack.waitForResponse>>> = [];
    for (let i = 0; i < 11; i++)
      answers.push(await harness.slack.waitForResponse((r) => !answers.includes(r)));

    const texts = answers.map((a) => String(a.body.text));
    expect(texts.filter((t) => t.includes('No renewal request for order'))).toHaveLength(10);
    expect(texts.filter((t) => t.includes('many requests in a minute'))).toHaveLength(1);
    expect(harness.cas.sim.calls.filter((c) => c.action === 'DescribeCertificateState')).toHaveLength(10);
  });
});
