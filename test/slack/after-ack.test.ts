import { describe, expect, it } from 'vitest';
import { afterAckWait, createAfterAckQueue } from '../../src/slack/after-ack.ts';

const timing = { quietMs: 20, maxDelayMs: 100 };

/**
 * A clock the test moves by hand. The queue's timers are real; `nextRead()` resolves when the queue next looks at
 * the clock, that is after it has decided what to start at the time the test set.
 */
function handClock() {
  let t = 0;
  let readers: Array<() => void> = [];
  return {
    now: () => {
      const waiting = readers;
      readers = [];
      for (const r of waiting) queueMicrotask(r);
      return t;
    },
    set(ms: number) {
      t = ms;
    },
    nextRead: () => new Promise<void>((resolve) => readers.push(resolve)),
  };
}

/** Resolves (bounded) once the promise settles; rejects naming what never happened. */
function within<T>(promise: Promise<T>, what: string, ms = 2_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Work whose start is observable: `started` resolves with the clock's time when it began; `finish()` ends it. */
function work(clock: { now(): number }) {
  let began: (at: number) => void = () => undefined;
  let finish: () => void = () => undefined;
  const started = new Promise<number>((resolve) => {
    began = resolve;
  });
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let startedAt: number | undefined;
  return {
    run: async () => {
      startedAt = clock.now();
      began(startedAt);
      await done;
    },
    started,
    hasStarted: () => startedAt !== undefined,
    finish,
  };
}

describe('afterAckWait', () => {
  it.each([
    { now: 0, lastQueued: 0, oldestQueued: 0, wait: 20 },
    { now: 19, lastQueued: 0, oldestQueued: 0, wait: 1 },
    { now: 20, lastQueued: 0, oldestQueued: 0, wait: 0 },
    { now: 95, lastQueued: 90, oldestQueued: 0, wait: 5 },
    { now: 100, lastQueued: 99, oldestQueued: 0, wait: 0 },
    { now: 150, lastQueued: 150, oldestQueued: 0, wait: 0 },
  ])('at $now, last queued $lastQueued, oldest $oldestQueued: waits $wait ms', (at) => {
    expect(afterAckWait(at, timing)).toBe(at.wait);
  });
});

describe('the after-ack queue', () => {
  it('holds work while more keeps being queued, and starts it once the queue has been quiet', async () => {
    const clock = handClock();
    const afterAck = createAfterAckQueue(1, timing, clock.now);
    const a = work(clock);
    const b = work(clock);
    const ranA = afterAck(a.run);
    clock.set(10);
    const ranB = afterAck(b.run);
    // 25 ms after A, but only 15 after B: the burst is still arriving.
    clock.set(25);
    await within(clock.nextRead(), 'the queue looking at the clock at 25 ms');
    expect(a.hasStarted()).toBe(false);
    clock.set(30);
    expect(await within(a.started, 'A starting')).toBe(30);
    // One at a time: B, due as well, waits for A to end.
    expect(b.hasStarted()).toBe(false);
    a.finish();
    expect(await within(b.started, 'B starting')).toBe(30);
    b.finish();
    await Promise.all([ranA, ranB]);
  });

  it('starts the oldest work once it has waited maxDelayMs, however busy the queue stays', async () => {
    const clock = handClock();
    const afterAck = createAfterAckQueue(1, timing, clock.now);
    const first = work(clock);
    const runs = [afterAck(first.run)];
    const later = [];
    // A new command every 15 ms (never 20 ms of quiet) for 105 ms.
    for (let t = 15; t <= 105; t += 15) {
      clock.set(t);
      if (t < 100) expect(first.hasStarted()).toBe(false);
      const w = work(clock);
      later.push(w);
      runs.push(afterAck(w.run));
    }
    expect(await within(first.started, 'the oldest work starting while commands keep coming')).toBe(105);
    first.finish();
    for (const w of later) w.finish();
    clock.set(1_000);
    await within(Promise.all(runs), 'every queued work ending');
  });

  it('runs at most `concurrency` at once and every queued work in the end', async () => {
    const clock = handClock();
    const afterAck = createAfterAckQueue(2, timing, clock.now);
    const works = Array.from({ length: 5 }, () => work(clock));
    const runs = works.map((w) => afterAck(w.run));
    clock.set(20);
    await within(Promise.all([works[0]?.started, works[1]?.started]), 'the first two starting');
    expect(works.map((w) => w.hasStarted())).toEqual([true, true, false, false, false]);
    for (const w of works) w.finish();
    await within(Promise.all(runs), 'all five ending');
    expect(works.every((w) => w.hasStarted())).toBe(true);
  });

  it('drains on shutdown: waiting work starts at once, and the drain ends when the last work has ended', async () => {
    const clock = handClock();
    const afterAck = createAfterAckQueue(1, timing, clock.now);
    const a = work(clock);
    const b = work(clock);
    const runs = [afterAck(a.run), afterAck(b.run)];
    let drained = false;

    // The clock never moves: only the drain can start them.
    const draining = afterAck.drain().then(() => {
      drained = true;
    });
    await within(a.started, 'A starting on the drain');
    a.finish();
    await within(b.started, 'B starting after A, on the drain');
    expect(drained).toBe(false);
    b.finish();
    await within(draining, 'the drain ending');
    await within(Promise.all(runs), 'both works ending');
    expect(drained).toBe(true);
  });

  it('an idle queue drains at once', async () => {
    const afterAck = createAfterAckQueue(2, timing);
    await within(afterAck.drain(), 'the drain of an idle queue');
  });
});
