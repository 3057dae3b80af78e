/**
 * When an undecided request reminds its approvers in its thread: at half of its TTL (`half`), and one hour before it
 * expires (`last`) when its TTL is longer than two hours (a shorter one would remind twice within an hour). Each
 * reminder is posted once: the `reminded` move records the last one posted in the record, and a later reminder
 * implies the earlier (one due after a long outage is posted alone). The due schedule (request-due.ts) holds an entry
 * for the next reminder not posted yet ({@link nextReminder}); handling it schedules the one after.
 */

/** A reminder, in the order they come. */
export type ReminderMark = 'half' | 'last';

/** The last reminder comes this long before the request expires, milliseconds. */
export const lastReminderBeforeMs = 3_600_000;
/** Only a TTL longer than this gets the last reminder, milliseconds (two hours). */
export const lastReminderMinTtlMs = 2 * 3_600_000;

/** What the reminders of a request depend on (epoch ms). */
export interface Remindable {
  readonly requestedAt?: number | undefined;
  readonly expiresAt?: number | undefined;
  readonly reminded?: ReminderMark | undefined;
}

const order: readonly ReminderMark[] = ['half', 'last'];

/** The reminders of a request and when each is due (epoch ms), in order. */
export function reminderTimes(r: Remindable): Array<{ mark: ReminderMark; at: number }> {
  if (r.requestedAt === undefined || r.expiresAt === undefined) return [];
  const ttl = r.expiresAt - r.requestedAt;
  const times: Array<{ mark: ReminderMark; at: number }> = [
    { mark: 'half', at: r.requestedAt + Math.floor(ttl / 2) },
  ];
  if (ttl > lastReminderMinTtlMs) times.push({ mark: 'last', at: r.expiresAt - lastReminderBeforeMs });
  return times;
}

/** The reminders not posted yet (those after the last one posted). */
function unsent(r: Remindable): Array<{ mark: ReminderMark; at: number }> {
  const sent = r.reminded ? order.indexOf(r.reminded) : -1;
  return reminderTimes(r).filter((t) => order.indexOf(t.mark) > sent);
}

/** The reminder due at `now` and not posted yet (the latest, when several are), if any; none once expiry is due. */
export function dueReminder(r: Remindable, now: number): ReminderMark | undefined {
  if (r.expiresAt !== undefined && now >= r.expiresAt) return undefined;
  return unsent(r)
    .filter((t) => t.at <= now)
    .at(-1)?.mark;
}

/** The request's next reminder not posted yet and when it is due (epoch ms), if any. */
export function nextReminder(r: Remindable): { mark: ReminderMark; at: number } | undefined {
  return unsent(r)[0];
}
