import type { Logger } from '../logger.ts';
import type { RenewalRecord } from './record.ts';
import { type DeliverNow, deliverSoon } from './request-deps.ts';
import type { RenewalStore } from './store.ts';
import { can } from './transitions.ts';

/**
 * The expiry of undecided requests: a request past its `expiresAt` becomes `expired` (a compare-and-set: a
 * decided one, or one another process expired first, is left alone), and its thread is told. Used by the due
 * schedule's `expire` entries (app and worker roles) and by a click on an expired card.
 */
export function createRequestExpiry(deps: {
  store: RenewalStore;
  deliver: DeliverNow;
  logger: Logger;
  now: () => number;
  /** The due schedule: an expired request's other entries (its reminders) go with one ZREM. */
  due: { cancel(recordId: string): Promise<void> };
}) {
  const { store, logger, now } = deps;

  /** Expires the request if it is due; the expired record, or undefined when nothing changed. */
  async function expireIfDue(record: RenewalRecord): Promise<RenewalRecord | undefined> {
    if (!can(record, 'expired', now())) return undefined;
    const result = await store.transition(record.id, 'expired', {
      actor: 'certbot',
      notify: [
        {
          kind: 'event',
          event: {
            type: 'expired',
            orderId: record.orderId,
            // The request's own TTL (the setting may have changed since it was made).
            ttlHours: Math.round((record.expiresAt - record.requestedAt) / 3_600_000),
          },
        },
      ],
    });
    if (!result.ok) return undefined;
    // If it fails, a reminder entry comes due later and finds the request expired (nothing happens).
    await deps.due.cancel(record.id).catch(() => undefined);
    await deliverSoon(deps.deliver, logger, record.id, result.record);
    return result.record;
  }

  return {
    expireIfDue,
    /** The due schedule's `expire` entry: an undecided request past its TTL expires (a decided one is left alone). */
    async expire(recordId: string): Promise<void> {
      const record = await store.get(recordId);
      if (record) await expireIfDue(record);
    },
  };
}

/** The expiry of undecided requests. */
export type RequestExpiry = ReturnType<typeof createRequestExpiry>;
