import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppHarness,
  approverId,
  blocksText,
  channelId,
  findButton,
  modalAfter,
  openCard,
  requesterId,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** A request whose renew call got a 503 before CAS acted: reconciliation finds nothing, a person must decide. */
async function requestNeedingAttention(env: Record<string, string> = {}) {
  const order = buildOrder({ domain: 'shop.example.com', renewScript: [{ type: 'certificate' }] });
  h = await startAppHarness({ worker: {}, seed: { orders: [order] }, env });
  const harness = h;
  harness.cas.sim.faults.add({
    action: 'RenewCertificateOrderForPackageRequest',
    fault: { kind: 'server-error' },
  });
  const card = await openCard(harness, String(order.orderId));
  await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
  const attentionCard = await harness.slack.waitForCall(
    (c) =>
      c.method === 'chat.update' &&
      c.args.ts === card.ts &&
      /Needs attention/.test(blocksText(c.args.blocks)),
    15_000,
  );
  // The attention buttons name the request at the version the card shows now.
  const value = findButton(attentionCard.args.blocks, 'cert_recheck')?.value;
  return { order, card, recordId: card.recordId as string, value, attentionCard, harness };
}

type CloseView = { callback_id: string; private_metadata: string; title: { text: string } };

/** Clicks Close… on the card and resolves with the modal, as filled in. */
const openCloseModal = async (harness: AppHarness, ts: string, value: string | undefined) =>
  (await modalAfter(harness, () =>
    harness.click('cert_resolve', { user: approverId, messageTs: ts, value }),
  )) as CloseView;

/** Submits the Close modal with what the console shows (`newOrderId` null: left empty). */
const submitClose = (
  harness: AppHarness,
  view: CloseView,
  outcome: 'renewed' | 'not_renewed',
  newOrderId: string | null,
) =>
  harness.submitView(view.callback_id, {
    user: approverId,
    privateMetadata: view.private_metadata,
    values: {
      outcome: { value: { type: 'radio_buttons', selected_option: { value: outcome } } },
      new_order: { value: { type: 'plain_text_input', value: newOrderId } },
    },
  });

const state = (harness: AppHarness, recordId: string) =>
  harness.app.redis.hget(`${harness.prefix}:renewal:${recordId}`, 'state');

describe('needs attention is not a dead end', () => {
  it('releases the order: a new /cert renew gets a card that warns the approver to check CAS first', async () => {
    const { order, card, attentionCard, harness } = await requestNeedingAttention();

    const second = await openCard(harness, String(order.orderId));

    expect(await harness.app.redis.get(`${harness.prefix}:order-open:${String(order.orderId)}`)).toBe(
      second.recordId,
    );
    expect(second.ts).not.toBe(card.ts);
    expect(blocksText(second.call.args.blocks)).toContain(
      `ended in *needs attention* and nobody closed it (https://test.slack.com/archives/${channelId}/p${card.ts.replace('.', '')})`,
    );
    // The second /cert renew of an open order links to its thread as Slack gives the link.
    await harness.command(`renew ${order.orderId}`);
    const linked = await harness.slack.waitForResponse((r) =>
      String(r.body.text).includes('already has an open'),
    );
    expect(linked.body.text).toContain(
      `https://test.slack.com/archives/${channelId}/p${second.ts.replace('.', '')}`,
    );
    expect(findButton(attentionCard.args.blocks, 'cert_recheck')?.value).toMatch(
      new RegExp(`^${card.recordId}\\.[0-9]+$`),
    );
    expect(findButton(attentionCard.args.blocks, 'cert_resolve')?.value).toMatch(
      new RegExp(`^${card.recordId}\\.[0-9]+$`),
    );
    expect(harness.slack.thread(channelId, card.ts).at(-1)?.text).toMatch(/Check CAS again\* or \*Close…\*/);
  });

  it('lets the expiry alerts of the order resume', async () => {
    const { order, harness } = await requestNeedingAttention({ CERT_ALERT_CHANNEL: 'C0ALERTS' });

    const summary = await harness.worker?.alerts.runScan();

    expect(summary).toMatchObject({ alerted: 1 });
    const alert = harness.slack.calls.find(
      (c) =>
        c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS' && c.args.thread_ts === undefined,
    );
    expect(blocksText(alert?.args.blocks)).toContain(String(order.orderId));
  });

  it('is counted as an outcome in the metrics', async () => {
    const { harness } = await requestNeedingAttention();

    const metrics = await (await fetch(`${harness.metricsBase}/metrics`)).text();

    expect(metrics).toMatch(/certbot_renewals_total\{outcome="needs_attention"\} 1/);
  });

  it('Check CAS again: an approver sends it back to reconciliation, which follows a renewal CAS made after all', async () => {
    const { order, card, recordId, value, harness } = await requestNeedingAttention();
    // CAS did renew (its list was late, or someone renewed in the console): a new order of the domain appears.
    const renewed = harness.cas.sim.store.renew(String(order.orderId), undefined);

    const refused = await harness.click('cert_recheck', {
      user: requesterId,
      messageTs: card.ts,
      value,
    });
    const notAllowed = await harness.slack.waitForResponse();
    await harness.click('cert_recheck', { user: approverId, messageTs: card.ts, value });
    await harness.slack.waitForCall(
      (c) => c.args.thread_ts === card.ts && /Renewal issued/.test(String(c.args.text)),
      15_000,
    );

    expect(refused.status).toBe(200);
    expect(String(notAllowed.body.text)).toMatch(/^Only .* can decide on a request that needs attention/);
    expect(await state(harness, recordId)).toBe('issued');
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${recordId}`, 'newOrderId')).toBe(
      renewed.orderId,
    );
    expect(
      harness.cas.sim.calls.filter((c) => c.action === 'RenewCertificateOrderForPackageRequest'),
    ).toHaveLength(1);
    const audit = (await harness.app.redis.lrange(`${harness.prefix}:audit:${recordId}`, 0, -1)).map(
      (e) => JSON.parse(e) as { action: string; actor: string },
    );
    expect(audit).toContainEqual(expect.objectContaining({ action: 'recheck', actor: approverId }));
    expect(audit).toContainEqual(expect.objectContaining({ action: 'reconciled' }));
  });

  it('Check CAS again is refused once a newer request holds the order', async () => {
    const { order, card, recordId, value, harness } = await requestNeedingAttention();
    await openCard(harness, String(order.orderId));

    await harness.click('cert_recheck', { user: approverId, messageTs: card.ts, value });
    const answer = await harness.slack.waitForResponse();

    expect(String(answer.body.text)).toMatch(/has a newer request .* cannot take it back/);
    expect(await state(harness, recordId)).toBe('needs_attention');
  });

  it('Close: an approver records what the console shows; the next request warns with that outcome', async () => {
    const { order, card, recordId, value, harness } = await requestNeedingAttention();

    const view = await openCloseModal(harness, card.ts, value);
    const invalid = await submitClose(harness, view, 'renewed', 'not-a-number');
    const closed = await submitClose(harness, view, 'not_renewed', null);
    const closedPost = await harness.slack.waitForCall(
      (c) => c.args.thread_ts === card.ts && /closed this request/.test(String(c.args.text)),
    );
    const next = await openCard(harness, String(order.orderId));

    // A renewal's wording: its order (a rotation's says subscription: test/worker/rotation-close.test.ts).
    expect(view.title.text).toBe('Close renewal request');
    expect(closedPost.args.text).toContain(`order \`${order.orderId}\` was not renewed`);
    expect(
      harness.slack
        .thread(channelId, card.ts)
        .map((m) => m.text)
        .join('\n'),
    ).toContain('The order is free for a new request meanwhile.');

    expect(invalid.json).toMatchObject({
      response_action: 'errors',
      errors: { new_order: expect.any(String) },
    });
    expect(closed.status).toBe(200);
    expect(await state(harness, recordId)).toBe('resolved');
    expect(await harness.app.redis.ttl(`${harness.prefix}:renewal:${recordId}`)).toBeGreaterThan(0);
    expect(blocksText(next.call.args.blocks)).toMatch(
      /closed it as not renewed\. Check the CAS console before approving/,
    );
    expect(harness.cas.sim.renewCount()).toBe(0);
  });

  it('Close as renewed claims the new order, so no other request can adopt it', async () => {
    const { card, recordId, value, harness } = await requestNeedingAttention();
    const view = await openCloseModal(harness, card.ts, value);

    await submitClose(harness, view, 'renewed', '123456789012');
    await harness.slack.waitForCall(
      (c) => c.args.thread_ts === card.ts && /closed this request/.test(String(c.args.text)),
    );

    expect(await harness.app.redis.get(`${harness.prefix}:new-order:123456789012`)).toBe(recordId);
    expect(await harness.app.redis.hgetall(`${harness.prefix}:renewal:${recordId}`)).toMatchObject({
      state: 'resolved',
      resolution: 'renewed',
      newOrderId: '123456789012',
      resolvedBy: approverId,
    });
  });

  it("closing it after a newer request opened leaves the newer one as the order's latest, without expiry", async () => {
    const { order, card, value, harness } = await requestNeedingAttention();
    const newer = await openCard(harness, String(order.orderId));
    const view = await openCloseModal(harness, card.ts, value);

    await submitClose(harness, view, 'not_renewed', null);
    await harness.waitForLog((e) => e.msg === 'request closed');

    const latest = `${harness.prefix}:order-latest:${order.orderId}`;
    expect(await harness.app.redis.get(latest)).toBe(newer.recordId);
    expect(await harness.app.redis.pttl(latest)).toBe(-1);
  });
});
