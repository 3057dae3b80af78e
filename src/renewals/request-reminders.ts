import { decisionOf } from '../approval/decisions.ts';
import type { Logger } from '../logger.ts';
import type { RenewalRecord } from './record.ts';
import { dueReminder } from './reminders.ts';
import { awaitsDecision } from './renewal-states.ts';
import { type DeliverNow, deliverSoon, type RequestServiceDeps } from './request-deps.ts';
import { type DueEntry, dueEntries } from './request-due.ts';
import { can } from './transitions.ts';

/**
 * Posts the reminder of an undecided request that is due and not posted yet (reminders.ts): the `reminded` move
 * records it and queues the thread reply that mentions who may decide, in one step, and only if no other process
 * recorded it meanwhile (compare-and-set on the `reminded` mark), so each reminder goes out once, whichever process
 * runs its due entry and however often. Returns the record as the move left it, or undefined when nothing was due.
 */
export async function remindIfDue(
  deps: Pick<RequestServiceDeps, 'store' | 'decisions' | 'now'>,
  record: RenewalRecord,
): Promise<RenewalRecord | undefined> {
  const at = deps.now();
  const mark = dueReminder(record, at);
  if (!mark || !can(record, 'reminded', at)) return undefined;
  const result = await deps.store.transition(record.id, 'reminded', {
    actor: 'certbot',
    detail: mark,
    ifFields: { reminded: record.reminded ?? '' },
    fields: { reminded: mark },
    notify: [
      {
        kind: 'event',
        event: {
          type: 'reminder',
          mark,
          approvers: deps.decisions.ids(decisionOf(record), record.account),
          expiresAt: record.expiresAt,
          at,
        },
      },
    ],
  });
  return result.ok ? result.record : undefined;
}

/**
 * The due schedule's reminder entries (`remind_half`, `remind_last`): posts the reminder due, if any (once only:
 * {@link remindIfDue}), then schedules what comes next for the request ({@link dueEntries}: its next reminder).
 * Safe to run twice: a second run posts nothing and schedules the same entries again.
 */
export function createRequestReminders(
  deps: Pick<RequestServiceDeps, 'store' | 'decisions' | 'now'> & {
    deliver: DeliverNow;
    logger: Logger;
    due: { schedule(entries: readonly DueEntry[]): Promise<void> };
  },
) {
  return {
    async remind(recordId: string): Promise<void> {
      const record = await deps.store.get(recordId);
      if (!record || !awaitsDecision(record)) return;
      const reminded = await remindIfDue(deps, record);
      if (reminded) await deliverSoon(deps.deliver, deps.logger, recordId, reminded);
      // Also when another process posted it (read again: its record names the next reminder), so that a crash
      // between the move and this schedule is repaired by running the entry again.
      const latest = reminded ?? (await deps.store.get(recordId));
      if (latest && awaitsDecision(latest)) await deps.due.schedule(dueEntries(latest));
    },
  };
}

/** The reminders of undecided requests. */
export type RequestReminders = ReturnType<typeof createRequestReminders>;
