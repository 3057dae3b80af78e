import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging.ts';
import type { ThreadEvent } from '../../src/renewals/thread-events.ts';
import { createOutboxDelivery } from '../../src/slack/outbox-delivery.ts';
import { renderThreadEvent } from '../../src/slack/thread-messages.ts';
import {
  type AppHarness,
  approverId,
  blocksText,
  channelId,
  openCard,
  rejectViaModal,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { issueWithDeployment, requestWithCard } from '../support/outbox.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A request with a card in the stand-in, and outbox deliverers as separate processes would build them. */
async function outboxSetup() {
  const { slack, store, client, id, cardTs } = await requestWithCard(cleanups, 'outbox');
  const deliverer = (lockMs: number) =>
    createOutboxDelivery({
      store,
      slack: client,
      logger: createLogger({ level: 'silent' }),
      now: Date.now,
      lockMs,
    });
  return { slack, store, id, cardTs, deliverer };
}

describe('the outbox', () => {
  it('a Slack call slower than the lock: the holder keeps the lock, no item is posted twice or lost', async () => {
    const { slack, store, id, cardTs, deliverer } = await outboxSetup();
    // Two identical items in a row: removing one after delivery must never remove the other.
    const same: ThreadEvent = { type: 'submitting', orderId: '800123' };
    const last: ThreadEvent = { type: 'reviewing', newOrderId: '900123' };
    await store.transition(id, 'csr_attached', {
      actor: 'U0REQUESTER',
      notify: [
        { kind: 'event', event: same },
        { kind: 'event', event: same },
        { kind: 'event', event: last },
      ],
    });
    slack.addFault({ method: 'chat.postMessage', delayMs: 1_000, when: { thread_ts: cardTs } });
    const [first, second] = [deliverer(300), deliverer(300)];
    const slowCall = slack.nextSlowCall();

    let firstDone = false;
    const one = first(id).finally(() => {
      firstDone = true;
    });
    // The second process tries again and again while the first is inside its slow call, well past the lock's
    // original TTL (bounded: the slow call lasts 1 s).
    await slowCall;
    const results = [];
    while (!firstDone && results.length < 20_000) results.push(await second(id));
    await one;
    const finalResult = await second(id);

    expect(slack.thread(channelId, cardTs).map((m) => m.text)).toEqual(
      [same, same, last].map(renderThreadEvent),
    );
    // While the first held the lock, the second never delivered anything.
    expect(results.filter((r) => !r.done).length).toBeGreaterThan(10);
    expect(finalResult).toEqual({ done: true });
    expect(await store.peekOutbox(id)).toBeUndefined();
    expect(await store.idsWithOutbox()).toEqual([]);
  });
});

describe('delivering from the record in hand', () => {
  it('an item queued after the record the caller holds renders from the record read afresh', async () => {
    const { slack, store, id, cardTs, deliverer } = await outboxSetup();
    const first = await store.transition(id, 'csr_attached', {
      actor: 'U0REQUESTER',
      notify: [{ kind: 'event', event: { type: 'submitting', orderId: '800123' } }],
    });
    await store.transition(id, 'csr_attached', {
      actor: 'U0REQUESTER',
      fields: { domain: 'newer.example.com' },
    });
    if (!first.ok) throw new Error('not moved');

    const result = await deliverer(30_000)(id, first.record);

    expect(result).toEqual({ done: true });
    const updates = slack.okCalls('chat.update').filter((c) => c.args.ts === cardTs);
    expect(updates).toHaveLength(1);
    expect(blocksText(updates[0]?.args.blocks)).toContain('newer.example.com');
  });

  it("a person's delivery leaves what the worker queued after their change to the worker", async () => {
    const { slack, store, id, cardTs, deliverer } = await outboxSetup();
    const mine: ThreadEvent = { type: 'submitting', orderId: '800123' };
    const workers: ThreadEvent = { type: 'reviewing', newOrderId: '900123' };
    const person = await store.transition(id, 'csr_attached', {
      actor: 'U0REQUESTER',
      notify: [{ kind: 'event', event: mine }],
    });
    await store.transition(id, 'csr_attached', {
      actor: 'worker',
      notify: [{ kind: 'event', event: workers }],
    });
    if (!person.ok) throw new Error('not moved');

    const byPerson = await deliverer(30_000)(id, person.record, { leaveWorkerItems: true });

    expect(byPerson).toEqual({ done: true });
    expect(slack.thread(channelId, cardTs).map((m) => m.text)).toEqual([renderThreadEvent(mine)]);
    // The lock is free, and the worker's delivery sends the rest.
    expect(await deliverer(30_000)(id)).toEqual({ done: true });
    expect(slack.thread(channelId, cardTs).map((m) => m.text)).toEqual(
      [mine, workers].map(renderThreadEvent),
    );
    expect(await store.peekOutbox(id)).toBeUndefined();
  });

  it('a card refresh superseded by a later one in the same read is not sent; the thread message between is', async () => {
    const { slack, store, id, cardTs, deliverer } = await outboxSetup();
    const between: ThreadEvent = { type: 'submitting', orderId: '800123' };
    // Each move refreshes the card (the table says so): card, the event, card.
    await store.transition(id, 'csr_attached', { actor: 'U0REQUESTER' });
    await store.transition(id, 'csr_attached', {
      actor: 'U0REQUESTER',
      notify: [{ kind: 'event', event: between }],
    });

    expect(await deliverer(30_000)(id)).toEqual({ done: true });

    expect(slack.okCalls('chat.update').filter((c) => c.args.ts === cardTs)).toHaveLength(1);
    expect(slack.thread(channelId, cardTs).map((m) => m.text)).toEqual([renderThreadEvent(between)]);
    expect(await store.peekOutbox(id)).toBeUndefined();
    expect(await store.idsWithOutbox()).toEqual([]);
  });
});

describe('an item Slack refuses for good', () => {
  it('a thread message refused for its size is replaced by a short fallback, and the next message goes out', async () => {
    const { slack, store, id, cardTs, deliverer } = await outboxSetup();
    const big: ThreadEvent = { type: 'submitted', newOrderId: '900123' };
    const next: ThreadEvent = { type: 'reviewing', newOrderId: '900123' };
    await store.transition(id, 'csr_attached', {
      actor: 'U0REQUESTER',
      notify: [
        { kind: 'event', event: big },
        { kind: 'event', event: next },
      ],
    });
    // Slack refuses this message's content every time it is sent.
    slack.addFault({
      method: 'chat.postMessage',
      error: 'msg_blocks_too_long',
      times: 1_000,
      matches: (args) => args.text === renderThreadEvent(big),
    });

    const result = await deliverer(30_000)(id);

    expect(result).toEqual({ done: true });
    expect(slack.thread(channelId, cardTs).map((m) => m.text)).toEqual([
      'Order 800123: this update was too long to show',
      renderThreadEvent(next),
    ]);
    expect(JSON.stringify(slack.thread(channelId, cardTs)[0]?.blocks)).toContain('/cert status 800123');
    expect(await store.peekOutbox(id)).toBeUndefined();
  });

  it('a deployment card refused for good: a fallback card takes its place (later updates find it)', async () => {
    const { slack, store, id, cardTs, deliverer } = await outboxSetup();
    const next: ThreadEvent = { type: 'reviewing', newOrderId: '900123' };
    await issueWithDeployment(store, id, [{ kind: 'deploy_card' }, { kind: 'event', event: next }]);
    slack.addFault({
      method: 'chat.postMessage',
      error: 'invalid_blocks',
      matches: (args) => String(args.text).startsWith('Install the new certificate'),
    });

    const result = await deliverer(30_000)(id);

    expect(result).toEqual({ done: true });
    const thread = slack.thread(channelId, cardTs);
    expect(thread.map((m) => m.text)).toEqual([
      'Order 800123: this update was too long to show',
      renderThreadEvent(next),
    ]);
    expect((await store.deployments.get(id))?.cardTs).toBe(thread[0]?.ts);
  });

  it('a fallback refused too is dropped, and the line still moves on', async () => {
    const { slack, store, id, cardTs, deliverer } = await outboxSetup();
    const next: ThreadEvent = { type: 'reviewing', newOrderId: '900123' };
    await store.transition(id, 'csr_attached', {
      actor: 'U0REQUESTER',
      notify: [{ kind: 'event', event: next }],
    });
    slack.addFault({ method: 'chat.update', error: 'msg_too_long', times: 2 });

    const result = await deliverer(30_000)(id);

    expect(result).toEqual({ done: true });
    expect(slack.calls.filter((c) => c.method === 'chat.update').map((c) => c.response.error)).toEqual([
      'msg_too_long',
      'msg_too_long',
    ]);
    expect(slack.thread(channelId, cardTs).map((m) => m.text)).toEqual([renderThreadEvent(next)]);
  });
});

describe('a request without a renewal job', () => {
  let h: AppHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('a renewal whose thread message Slack refuses for good still ends: the fallback goes out, then the rest, and the job completes', async () => {
    const order = buildOrder({ domain: 'shop.example.com' });
    h = await startAppHarness({ worker: {}, seed: { orders: [order] } });
    const harness = h;
    const card = await openCard(harness, String(order.orderId));
    const jobId = `renew-${card.recordId}`;
    const completed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`job ${jobId} did not complete within 20 s`)), 20_000);
      harness.worker?.worker.on('completed', (job) => {
        if (job.id !== jobId) return;
        clearTimeout(timer);
        resolve();
      });
    });
    harness.slack.addFault({
      method: 'chat.postMessage',
      error: 'msg_blocks_too_long',
      times: 1_000,
      matches: (args) => String(args.text).startsWith(':arrows_counterclockwise: CAS accepted the renewal'),
    });

    await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    await completed;

    const thread = harness.slack.thread(channelId, card.ts).map((m) => m.text);
    const fallback = thread.indexOf(`Order ${order.orderId}: this update was too long to show`);
    expect(fallback).toBeGreaterThan(0);
    // Everything after the refused message went out, in order, to the end.
    expect(thread.slice(fallback + 1).some((t) => t.startsWith(':white_check_mark: Renewal issued'))).toBe(
      true,
    );
    expect(await harness.app.redis.zcard(`${harness.prefix}:outbox-pending`)).toBe(0);
  });

  it('a reject whose thread message Slack refused once: the sweeper delivers it', async () => {
    const order = buildOrder();
    h = await startAppHarness({ worker: {}, seed: { orders: [order] } });
    const harness = h;
    const card = await openCard(harness, String(order.orderId));
    harness.slack.addFault({
      method: 'chat.postMessage',
      error: 'internal_error',
      when: { thread_ts: card.ts },
    });

    await rejectViaModal(harness, card, 'not needed');
    await harness.waitForLog((e) => e.msg === 'thread message left for the sweeper');
    const before = harness.slack.thread(channelId, card.ts).length;
    await harness.worker?.sweep();

    expect(before).toBe(0);
    expect(harness.slack.thread(channelId, card.ts).map((m) => m.text)).toEqual([
      expect.stringMatching(/^:no_entry_sign: Rejected by/),
    ]);
    expect(await harness.app.redis.zcard(`${harness.prefix}:outbox-pending`)).toBe(0);
  });
});
