import type { ApproverDirectory, ApproverStatus } from './approvers.ts';

/**
 * The kinds of decision a person makes on a card (DESIGN: money and rotation are different decisions): `money` (a V1
 * renewal spends plan quota), `rotation` (a V2 subscription's next certificate: free) and `deployment` (installing an
 * issued certificate: free). `CERT_APPROVERS` may make all three; `CERT_ROTATION_APPROVERS` the free ones.
 */
export type Decision = 'money' | 'rotation' | 'deployment';

/** What a request's decision reads of it: its kind (absent: a V1 renewal). */
export interface DecisionSubject {
  readonly kind?: 'renewal' | 'rotation' | undefined;
}

/** The decision approving a request is: a renewal spends money, a rotation does not. */
export function decisionOf(request: DecisionSubject): Decision {
  return request.kind === 'rotation' ? 'rotation' : 'money';
}

/** What {@link approvalsRequired} reads of the settings (the environment's, or later an account's). */
export interface ApprovalCountSettings {
  /** Distinct approvers a money decision needs (`CERT_APPROVALS_REQUIRED`). */
  readonly approvalsRequired: number;
}

/**
 * How many distinct approvers (never the requester, unless self-approval is allowed) approving `request` needs:
 * the settings' count for money, one for a rotation (and for a deployment, which is not a request's approval).
 */
export function approvalsRequired(request: DecisionSubject, settings: ApprovalCountSettings): number {
  return decisionOf(request) === 'money' ? settings.approvalsRequired : 1;
}

/** Who may make each decision. */
export interface DecisionPolicyOptions {
  /** `CERT_APPROVERS`: every decision. */
  approvers: ApproverDirectory;
  /** `CERT_ROTATION_APPROVERS`: rotations and deployments only; absent when the list is empty. */
  rotationApprovers?: ApproverDirectory | undefined;
}

/** The one answer to "who may decide this": the approval card's and the deployment card's handlers ask it. */
export function createDecisionPolicy(options: DecisionPolicyOptions) {
  const { approvers, rotationApprovers } = options;
  const free = (decision: Decision) => decision !== 'money';
  return {
    /**
     * Whether `userId` may make `decision`: `unknown` when a group they may be in cannot be read (fail closed).
     * A rotation approver is asked only for a decision that spends no money.
     */
    async mayDecide(decision: Decision, userId: string): Promise<ApproverStatus> {
      const status = await approvers.status(userId);
      if (status === 'approver' || !free(decision) || !rotationApprovers) return status;
      const rotation = await rotationApprovers.status(userId);
      if (rotation === 'approver') return rotation;
      return status === 'unknown' ? status : rotation;
    },
    /** Who may make `decision`, as mentions. */
    describe(decision: Decision): string {
      const lists = [approvers.describe()];
      if (free(decision) && rotationApprovers) lists.push(rotationApprovers.describe());
      return lists.join(', ');
    },
    /** The user and user-group IDs who may make `decision` (a reminder mentions them). */
    ids(decision: Decision): string[] {
      return [...approvers.ids, ...(free(decision) && rotationApprovers ? rotationApprovers.ids : [])];
    },
    /** Whether some may make the free decisions only (a refusal of money then says why). */
    hasRotationApprovers: rotationApprovers !== undefined,
  };
}

/** Who may make each decision. */
export type DecisionPolicy = ReturnType<typeof createDecisionPolicy>;
