import { decisionOf } from '../approval/decisions.ts';
import type { RenewalRecord } from './record.ts';
import { dueReminder } from './reminders.ts';
import type { RequestServiceDeps } from './request-deps.ts';
import { can } from './transitions.ts';

/**
 * Posts the reminder of an undecided request that is due and not posted yet (reminders.ts): the `reminded` move
 * records it and queues the thread reply that mentions who may decide, in one step, and only if no other process
 * recorded it meanwhile (compare-and-set on the `reminded` mark), so each reminder goes out once, whichever process
 * runs the job and however often. Returns the record as the move left it, or undefined when nothing was due.
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
