import type { EventEmitter } from 'node:events';
import type { ResponseUrlPost, SlackCall, StoredMessage } from './model.ts';

/** Resolves with the first item (past or future) matching, or rejects after `timeoutMs` naming what came. */
function waitFor<T>(
  events: EventEmitter,
  event: 'call' | 'response',
  existing: () => T[],
  predicate: (item: T) => boolean,
  timeoutMs: number,
  describe: () => string,
): Promise<T> {
  const found = existing().find(predicate);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const onItem = (item: T) => {
      if (!predicate(item)) return;
      clearTimeout(timer);
      events.off(event, onItem);
      resolve(item);
    };
    const timer = setTimeout(() => {
      events.off(event, onItem);
      reject(new Error(`No matching Slack ${event} within ${timeoutMs} ms; got: ${describe()}`));
    }, timeoutMs);
    events.on(event, onItem);
  });
}

/** The stand-in's bounded waits: for a call, a `response_url` post, or a thread to reach a length. */
export function createWaiters(
  events: EventEmitter,
  recorded: { calls: SlackCall[]; responses: ResponseUrlPost[] },
  thread: (channel: string, parentTs: string) => StoredMessage[],
) {
  const { calls, responses } = recorded;
  return {
    /** Resolves with the first call (past or future) matching, or rejects after `timeoutMs`. */
    waitForCall(predicate: (call: SlackCall) => boolean, timeoutMs = 5_000): Promise<SlackCall> {
      const describe = () =>
        calls.map((c) => `${c.method}:${String(c.response.error ?? 'ok')}`).join(', ') || 'nothing';
      return waitFor(events, 'call', () => calls, predicate, timeoutMs, describe);
    },
    /** Resolves with the first `response_url` post matching, or rejects after `timeoutMs`. */
    waitForResponse(
      predicate: (post: ResponseUrlPost) => boolean = () => true,
      timeoutMs = 5_000,
    ): Promise<ResponseUrlPost> {
      const describe = () => JSON.stringify(responses.map((r) => r.body.text));
      return waitFor(events, 'response', () => responses, predicate, timeoutMs, describe);
    },
    /** Resolves once `count` messages are in the thread, or rejects after `timeoutMs`. */
    async waitForThread(
      channel: string,
      parentTs: string,
      count: number,
      timeoutMs = 5_000,
    ): Promise<StoredMessage[]> {
      const describe = () => JSON.stringify(thread(channel, parentTs).map((m) => m.text));
      await waitFor(
        events,
        'call',
        () => calls,
        () => thread(channel, parentTs).length >= count,
        timeoutMs,
        describe,
      );
      return thread(channel, parentTs);
    },
  };
}
