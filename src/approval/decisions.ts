import type { ApproverDirectory, ApproverStatus } from './approvers.ts';

/**
 * The kinds of decision a person makes on a card (DESIGN: money and rotation are different decisions): `money` (a V1
 * renewal spends plan quota), `rotation` (a V2 subscription's next certificate: free) and `deployment` (installing an
 * issued certificate: free). `CERT_APPROVERS` may make all three; `CERT_ROTATION_APPROVERS` the free ones.
 */
export type Decision = 'money' | 'rotation' | 'deployment';

/** What a request's decision reads of it: its kind (absent: a V1 renewal) and the account it is bound to. */
export interface DecisionSubject {
  readonly kind?: 'renewal' | 'rotation' | undefined;
  /** The account the request was bound to at creation (accounts file); absent: the environment's lists. */
  readonly account?: string | undefined;
}

/** The decision approving a request is: a renewal spends money, a rotation does not. */
export function decisionOf(request: DecisionSubject): Decision {
  return request.kind === 'rotation' ? 'rotation' : 'money';
}

/** What {@link approvalsRequired} reads of the settings: the environment's count, and an account's own. */
export interface ApprovalCountSettings {
  /** Distinct approvers a money decision needs (`CERT_APPROVALS_REQUIRED`): the default. */
  readonly approvalsRequired: number;
  /** The account's `approvalsRequired` (accounts file), undefined when it gives none. */
  readonly accountApprovals?: ((account: string | undefined) => number | undefined) | undefined;
  /** The account's `rotationApprovalsRequired` (accounts file), undefined when it gives none (then one). */
  readonly accountRotationApprovals?: ((account: string | undefined) => number | undefined) | undefined;
}

/**
 * How many distinct approvers (never the requester, unless self-approval is allowed) approving `request` needs:
 * for money, its account's count, else the settings' default; for a rotation, its account's rotation count, else one
 * (and one for a deployment, which is not a request's approval).
 */
export function approvalsRequired(request: DecisionSubject, settings: ApprovalCountSettings): number {
  const decision = decisionOf(request);
  if (decision === 'rotation') return settings.accountRotationApprovals?.(request.account) ?? 1;
  if (decision !== 'money') return 1;
  return settings.accountApprovals?.(request.account) ?? settings.approvalsRequired;
}

/** Who may make each decision somewhere: money approvers, and approvers of the free decisions only. */
export interface ApproverLists {
  /** Every decision (`CERT_APPROVERS`, or an account's `approvers`). */
  approvers: ApproverDirectory;
  /** Rotations and deployments only; absent when the list is empty. */
  rotationApprovers?: ApproverDirectory | undefined;
}

/** Who may make each decision. */
export interface DecisionPolicyOptions extends ApproverLists {
  /**
   * An account's own lists (accounts file; each built on the one shared group cache): whatever it lists replaces
   * the environment's list of the same kind for its requests. Undefined: the environment's lists.
   */
  accountLists?: ((account: string | undefined) => Partial<ApproverLists> | undefined) | undefined;
}

/** The one answer to "who may decide this": the approval, deployment and needs-attention buttons ask it. */
export function createDecisionPolicy(options: DecisionPolicyOptions) {
  const free = (decision: Decision) => decision !== 'money';
  /** The lists that decide for a request bound to `account` (the environment's where the account gives none). */
  const listsFor = (account: string | undefined): ApproverLists => {
    const own = options.accountLists?.(account);
    return {
      approvers: own?.approvers ?? options.approvers,
      rotationApprovers: own?.rotationApprovers ?? options.rotationApprovers,
    };
  };
  return {
    /**
     * Whether `userId` may make `decision` on a request bound to `account`: `unknown` when a group they may be in
     * cannot be read (fail closed). A rotation approver is asked only for a decision that spends no money.
     */
    async mayDecide(decision: Decision, userId: string, account?: string): Promise<ApproverStatus> {
      const { approvers, rotationApprovers } = listsFor(account);
      const status = await approvers.status(userId);
      if (status === 'approver' || !free(decision) || !rotationApprovers) return status;
      const rotation = await rotationApprovers.status(userId);
      if (rotation === 'approver') return rotation;
      return status === 'unknown' ? status : rotation;
    },
    /** Who may make `decision` on a request bound to `account`, as mentions. */
    describe(decision: Decision, account?: string): string {
      const { approvers, rotationApprovers } = listsFor(account);
      const lists = [approvers.describe()];
      if (free(decision) && rotationApprovers) lists.push(rotationApprovers.describe());
      return lists.join(', ');
    },
    /** The user and user-group IDs who may make `decision` there (a reminder mentions them). */
    ids(decision: Decision, account?: string): string[] {
      const { approvers, rotationApprovers } = listsFor(account);
      return [...approvers.ids, ...(free(decision) && rotationApprovers ? rotationApprovers.ids : [])];
    },
    /** Whether some may make the free decisions only there (a refusal of money then says why). */
    hasRotationApprovers: (account?: string) => listsFor(account).rotationApprovers !== undefined,
  };
}

/** Who may make each decision. */
export type DecisionPolicy = ReturnType<typeof createDecisionPolicy>;
