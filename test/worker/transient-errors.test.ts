import { afterEach, describe, expect, it } from 'vitest';
import { CasApiError, CasNetworkError, CasResponseError, isCasRefusal } from '../../src/cas/errors.ts';
import type { HeldRequest } from '../../src/cas-sim/faults.ts';
import { type AppHarness, approverId, channelId, openCard, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/**
 * Approves a renewal whose paid call is held by the simulator; once CAS has it, the next listing of orders is
 * answered with a body cut short, then the paid call is answered (`answer`) or its answer lost (`drop`).
 */
async function renewWithMalformedListing(answer: 'answer' | 'drop') {
  const order = buildOrder({
    domain: 'list.example.com',
    renewScript: [{ type: 'payed' }, { type: 'certificate' }],
  });
  h = await startAppHarness({ worker: {}, seed: { orders: [order] } });
  const harness = h;
  const card = await openCard(harness, String(order.orderId));
  harness.cas.sim.faults.add({
    action: 'RenewCertificateOrderForPackageRequest',
    fault: { kind: 'hold', afterActing: true },
  });
  const held = new Promise<HeldRequest>((resolve) => harness.cas.sim.events.once('held', resolve));
  await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
  const paidCall = await held;
  harness.cas.sim.faults.add({ action: 'ListUserCertificateOrder', fault: { kind: 'malformed' } });
  paidCall.release(answer);
  await harness.slack.waitForCall(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.args.thread_ts === card.ts &&
      /Renewal issued|Needs attention|Apply in the CAS console/.test(String(c.args.text)),
    20_000,
  );
  return { harness, card, thread: harness.slack.thread(channelId, card.ts).map((m) => String(m.text)) };
}

describe('an unreadable CAS listing is retried, never reported as a refusal', () => {
  it('while looking up the new order to apply: the bot still applies, no "CAS refused", no manual mode', async () => {
    const { harness, card, thread } = await renewWithMalformedListing('answer');

    expect(harness.cas.sim.calls.filter((c) => c.outcome === 'malformed')).toHaveLength(1);
    expect(thread.at(-1)).toMatch(/Renewal issued/);
    expect(thread.join('\n')).not.toContain('CAS refused');
    expect(harness.cas.sim.calls.filter((c) => c.action === 'ApplyCertificate')).toHaveLength(1);
    const record = await harness.app.redis.hgetall(`${harness.prefix}:renewal:${card.recordId}`);
    expect(record.applyMode).not.toBe('manual');
  });

  it('while reconciling a lost renew answer: tried again and found, not handed to a person', async () => {
    const { harness, thread } = await renewWithMalformedListing('drop');

    expect(harness.cas.sim.calls.filter((c) => c.outcome === 'malformed')).toHaveLength(1);
    expect(thread.at(-1)).toMatch(/Renewal issued/);
    expect(thread).toContainEqual(expect.stringMatching(/but it did renew: found new order/));
    expect(harness.cas.sim.renewCount()).toBe(1);
  });
});

describe('isCasRefusal: only CAS refusing by its error code', () => {
  it.each([
    ['a refusal by code', new CasApiError('X', 400, body('InvalidParameter')), true],
    ['throttling', new CasApiError('X', 400, body('Throttling.User')), false],
    ['a server error', new CasApiError('X', 503, body('ServiceUnavailable')), false],
    ['an unreadable answer', new CasResponseError('X', 'body is not JSON'), false],
    ['the network', new CasNetworkError('X', true, 'socket hang up', undefined), false],
    ['Redis failing around the call', new Error('Connection is closed.'), false],
  ])('%s', (_label, err, refusal) => {
    expect(isCasRefusal(err)).toBe(refusal);
  });
});

function body(code: string) {
  return { code, message: 'm', requestId: undefined, hostId: undefined, recommend: undefined };
}
