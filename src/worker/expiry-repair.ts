import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { createDueRunner } from '../renewals/due-runner.ts';
import { awaitsDecision } from '../renewals/renewal-states.ts';
import { createDueSchedule, dueEntries } from '../renewals/request-due.ts';
import { createRequestExpiry } from '../renewals/request-expiry.ts';
import type { Deliver, RenewalStore } from '../renewals/store.ts';

/**
 * Finds undecided requests (`requested`) without an expiry entry in the due schedule (scheduling failed right
 * after the request was written, a crash in between, a failover that lost the write, a request made before the
 * schedule existed) and schedules what is due for them again (their expiry and next reminder: dueEntries), then
 * runs every expiry due now (so an expiry comes even when no app process is up to wake for it; reminders, which
 * name the approvers, are the app processes' to post). Without it such a request would hold its order, and silence
 * its expiry alerts, for ever. Safe to run anywhere, any number of times. Returns how many it scheduled.
 */
export async function sweepExpiries(deps: {
  redis: Redis;
  store: RenewalStore;
  deliver: Deliver;
  logger: Logger;
  now: () => number;
}): Promise<number> {
  const { redis, store, logger, now } = deps;
  const schedule = createDueSchedule({ redis, key: store.key.due() });
  let scheduled = 0;
  for (const recordId of await schedule.withoutExpiry(await redis.smembers(store.key.pending()))) {
    const record = await store.get(recordId);
    if (!record || !awaitsDecision(record)) continue;
    await schedule.schedule(dueEntries(record));
    scheduled += 1;
    logger.warn({ recordId }, 'expiry scheduled by the sweeper');
  }
  const expiry = createRequestExpiry({ store, deliver: deps.deliver, logger, now, due: schedule });
  const runner = createDueRunner({ schedule, handlers: { expire: expiry.expire }, logger, now, pollMs: 0 });
  await runner.run();
  return scheduled;
}
