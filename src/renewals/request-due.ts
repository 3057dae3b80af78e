import type { Redis } from 'ioredis';
import type { RenewalRecord } from './record.ts';
import { nextReminder, type ReminderMark } from './reminders.ts';

// What comes due for an undecided request, and when: one sorted set (member `<kind>:<request ID>`, score the time
// in ms) instead of a delayed job per request. Deciding a request removes its entries with one ZREM (a job's
// removal cost BullMQ 17 commands); a process's timer wakes at the earliest entry (due-runner.ts).

/**
 * The kinds of entry a request has while it waits for a decision: its expiry and its reminders (reminders.ts). Each
 * reminder is a kind of its own, so that the entry of the next one, scheduled while the current one is handled,
 * is a different member from the entry the runner removes once the handler returns.
 */
export const dueKinds = ['expire', 'remind_half', 'remind_last'] as const;
export type DueKind = (typeof dueKinds)[number];

const reminderKind = { half: 'remind_half', last: 'remind_last' } as const satisfies Record<
  ReminderMark,
  DueKind
>;

/** One thing due for one request at `at` (epoch milliseconds). */
export interface DueEntry {
  kind: DueKind;
  recordId: string;
  at: number;
}

/**
 * When each kind comes due for a request: the one place that decides it (a new request, the reminder handler after
 * a reminder, and the sweeper's repair all ask). Its expiry, and its next reminder not posted yet, if any.
 */
export function dueEntries(
  record: Pick<RenewalRecord, 'id' | 'expiresAt' | 'requestedAt' | 'reminded'>,
): DueEntry[] {
  const entries: DueEntry[] = [{ kind: 'expire', recordId: record.id, at: record.expiresAt }];
  const next = nextReminder(record);
  if (next) entries.push({ kind: reminderKind[next.mark], recordId: record.id, at: next.at });
  return entries;
}

const member = (e: Pick<DueEntry, 'kind' | 'recordId'>) => `${e.kind}:${e.recordId}`;

function parseMember(value: string, score: string): DueEntry | undefined {
  const at = value.indexOf(':');
  const kind = value.slice(0, at) as DueKind;
  if (at < 0 || !dueKinds.includes(kind)) return undefined;
  return { kind, recordId: value.slice(at + 1), at: Number(score) };
}

/** The due schedule in Redis (`<prefix>:request-due`). */
export function createDueSchedule(deps: { redis: Redis; key: string }) {
  const { redis, key } = deps;
  return {
    /** Adds (or moves) the entries, in one command. */
    async schedule(entries: readonly DueEntry[]): Promise<void> {
      if (entries.length === 0) return;
      await redis.zadd(key, ...entries.flatMap((e) => [String(e.at), member(e)]));
    },

    /** Removes every entry of a request (it was decided), in one command. */
    async cancel(recordId: string): Promise<void> {
      await redis.zrem(key, ...dueKinds.map((kind) => member({ kind, recordId })));
    },

    /**
     * The earliest `limit` entries after the first `offset`, earliest first (due or not: the caller compares with
     * its clock).
     */
    async earliest(limit: number, offset = 0): Promise<DueEntry[]> {
      const flat = await redis.zrange(key, String(offset), String(offset + limit - 1), 'WITHSCORES');
      const out: DueEntry[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const entry = parseMember(flat[i] ?? '', flat[i + 1] ?? '');
        if (entry) out.push(entry);
      }
      return out;
    },

    /** Removes one handled entry. */
    async done(entry: DueEntry): Promise<void> {
      await redis.zrem(key, member(entry));
    },

    /** Which of `recordIds` have no expiry entry (the sweeper's repair). */
    async withoutExpiry(recordIds: readonly string[]): Promise<string[]> {
      if (recordIds.length === 0) return [];
      const scores = await redis.zmscore(
        key,
        ...recordIds.map((recordId) => member({ kind: 'expire', recordId })),
      );
      return recordIds.filter((_, i) => scores[i] === null);
    },
  };
}

/** The due schedule. */
export type DueSchedule = ReturnType<typeof createDueSchedule>;
