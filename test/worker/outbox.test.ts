import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging.ts';
import type { ThreadEvent } from '../../src/renewals/thread-events.ts';
import { createOutboxDelivery } from '../../src/slack/outbox-delivery.ts';
import { renderThreadEvent } from '../../src/slack/thread-messages.ts';
import {
  type AppHarness,
  channelId,
  openCard,
  rejectViaModal,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { requestWithCard } from '../support/outbox.ts';

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

describe('a request without a renewal job', () => {
  let h: AppHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
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
