import type { RenewalRecord } from './record.ts';
import type { ApprovalShortfall } from './record-moves.ts';
import type { ScheduledMove, ScheduledMoveResult } from './scheduled-move.ts';
import type { Notice, RenewalStore, TransitionResult } from './store.ts';

/** One approval click, as the service authorised it. */
export interface Vote {
  /** The row that decides: `approved` (a V1 renewal) or `rotation_approved` (a V2 rotation). */
  row: 'approved' | 'rotation_approved';
  record: RenewalRecord;
  userId: string;
  /** The version of the request the approver saw. */
  seenVersion: number;
  /** Distinct approvers the request needs (approval/decisions.ts's `approvalsRequired`). */
  required: number;
  at: number;
}

/** What a vote did: `approved` (the decision: its move's result), or `counted` (`count` of `required` so far). */
export type VoteResult =
  | { kind: 'approved'; result: ScheduledMoveResult }
  | { kind: 'counted'; result: TransitionResult; count: number };

type Shortfall = Extract<TransitionResult, { ok: false; reason: ApprovalShortfall }>;
const isShort = (r: TransitionResult, reason: ApprovalShortfall): r is Shortfall =>
  !r.ok && r.reason === reason;

/**
 * An approval of a request that needs `required` distinct approvers. The `approved` row moves only when the
 * approvers with this one reach the count, and then only once (the store's one script: compare-and-set on the state,
 * the distinct set in the record); short of it, `approval_counted` adds this approver (a repeat adds nothing). Each
 * refusal means the record changed under the click (another approver counted, or reached the count), so the other
 * row is tried again, a bounded number of times.
 */
export async function vote(
  deps: { store: RenewalStore; move: ScheduledMove },
  v: Vote,
  /** What the thread is told when the approval decides the request. */
  approvedNotice: Notice,
): Promise<VoteResult> {
  const { row, record, userId, required } = v;
  const common = { actor: userId, ifVersion: v.seenVersion, approvalsRequired: required };
  const detail = required > 1 ? { detail: `approval ${required} of ${required}` } : {};
  let last: TransitionResult = { ok: false, reason: 'missing' };
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const approved = await deps.move(record.id, row, {
      ...common,
      ...detail,
      fields: { decidedBy: userId, decidedAt: v.at, approvalsRequired: required },
      notify: [approvedNotice],
    });
    if (!isShort(approved, 'approval_short')) return { kind: 'approved', result: approved };
    const counted = await deps.store.transition(record.id, 'approval_counted', {
      ...common,
      detail: `approval ${approved.count} of ${required}`,
      fields: { approvalsRequired: required },
    });
    last = counted;
    if (counted.ok) return { kind: 'counted', result: counted, count: counted.record.approvals.length };
    if (isShort(counted, 'approval_repeated'))
      return { kind: 'counted', result: counted, count: counted.count };
    if (!isShort(counted, 'approval_quorum')) break;
  }
  return { kind: 'counted', result: last, count: 0 };
}
