import type { KnownBlock } from '@slack/web-api';
import type { Decision } from '../approval/decisions.ts';
import type { ReminderMark } from '../renewals/reminders.ts';
import { md } from './cards.ts';
import { mention } from './mrkdwn.ts';

/*
 * What a card says about the decision it asks for, apart from the rest of the card: what approving spends (its first
 * line), how many approvals it has of how many, and how long it still waits. The approval, rotation and deployment
 * cards use these.
 */

/** The first line of a card: which decision it asks for, and whether it spends money. */
export function decisionLine(decision: Decision): string {
  switch (decision) {
    case 'money':
      return ':moneybag: *Spends plan quota (money):* approving renews this V1 order with one certificate of the plan.';
    case 'rotation':
      return ':recycle: *Free rotation:* approving applies for the V2 subscription’s next certificate. No plan quota is spent.';
    case 'deployment':
      return ':package: *Free:* deploying installs the issued certificate on its cloud resources; nothing is bought.';
  }
}

/** Why a rotation approver may not approve a renewal (the end of their private refusal). */
export const rotationOnlyWhy =
  'It spends plan quota (money); you may approve rotations and deployments only (`CERT_ROTATION_APPROVERS`).';

/** `1 of 2 approvals: <@U…>`, when a request needs more than one approval or has some; undefined otherwise. */
export function approvalProgress(approvals: readonly string[], required: number): string | undefined {
  if (required <= 1) return undefined;
  const who = approvals.length > 0 ? `: ${approvals.map(mention).join(', ')}` : '';
  return `${Math.min(approvals.length, required)} of ${required} approvals${who}`;
}

/** `expires in 3 h` (minutes under an hour, days from two days on), from `now` to `expiresAt` (epoch ms). */
export function timeLeft(expiresAt: number, now: number): string {
  const ms = expiresAt - now;
  if (ms <= 0) return 'expires now';
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 60) return `expires in ${minutes} min`;
  const hours = Math.round(ms / 3_600_000);
  return hours < 48 ? `expires in ${hours} h` : `expires in ${Math.round(hours / 24)} days`;
}

/** How a Slack ID is mentioned: a user (`U…`/`W…`) or a user group (`S…`). */
export function mentionAny(id: string): string {
  return id.startsWith('S') ? `<!subteam^${id}>` : mention(id);
}

/** The thread reply that reminds the approvers of an undecided request. */
export function reminderText(event: {
  mark: ReminderMark;
  approvers: readonly string[];
  expiresAt: number;
  at: number;
}): string {
  const who = event.approvers.length > 0 ? `${event.approvers.map(mentionAny).join(' ')} ` : '';
  return `:alarm_clock: ${who}this request still waits for a decision; it ${timeLeft(event.expiresAt, event.at)}.`;
}

/** The card's first block: which decision it asks for ({@link decisionLine}). */
export function decisionBlock(decision: Decision): KnownBlock {
  return { type: 'context', block_id: 'decision_kind', elements: [md(decisionLine(decision))] };
}

/**
 * The approvals so far and, while the request waits, the time it has left (`1 of 2 approvals: <@U…> · expires in
 * 3 h`), as of `now`; undefined when there is nothing to say.
 */
export function approvalStateBlock(
  request: { approvals: readonly string[]; approvalsRequired?: number | undefined; expiresAt: number },
  waiting: boolean,
  now: number,
): KnownBlock | undefined {
  const parts = [
    approvalProgress(request.approvals, request.approvalsRequired ?? 1),
    waiting ? timeLeft(request.expiresAt, now) : undefined,
  ].filter((p): p is string => p !== undefined);
  if (parts.length === 0) return undefined;
  return { type: 'context', block_id: 'approvals', elements: [md(parts.join(' · '))] };
}
