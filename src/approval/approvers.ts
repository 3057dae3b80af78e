import type { Logger } from '../logger.ts';

/** Looks up the members of a Slack user group (`usergroups.users.list`). */
export type ListGroupMembers = (groupId: string) => Promise<string[]>;

/** Options of {@link createGroupMembers}. */
export interface GroupMembersOptions {
  listGroupMembers: ListGroupMembers;
  /** How long a group's member list is trusted, milliseconds. @defaultValue 300000 */
  ttlMs?: number;
  /**
   * While Slack cannot list a group, how long past `ttlMs` its last known members are still used, milliseconds;
   * after that, nobody from the group may approve until Slack answers again (`CERT_APPROVER_MAX_STALE_MINUTES`).
   * @defaultValue 900000
   */
  maxStaleMs?: number;
  /** After a failed lookup, how long clicks use what is known instead of asking Slack again. @defaultValue 30000 */
  retryAfterFailureMs?: number;
  now?: () => number;
  logger: Logger;
}

/**
 * Options of {@link createApproverDirectory}: the list, and the group cache shared by every list (an account's lists
 * too), or what to build its own with.
 */
export type ApproverDirectoryOptions = {
  /** `CERT_APPROVERS`: user IDs (`U…`/`W…`) and user-group IDs (`S…`). */
  approvers: readonly string[];
} & ({ groupMembers: GroupMembers } | GroupMembersOptions);

/** Whether someone may approve: `unknown` when a group they may be in cannot be read and is too stale to trust. */
export type ApproverStatus = 'approver' | 'not_approver' | 'unknown';

/**
 * The members of Slack user groups (cached, refreshed), one cache for every approver list. While Slack cannot list
 * a group, its last known members count for a bounded time only (fail closed): someone removed from the group must
 * not keep approving paid renewals for as long as Slack errors last.
 */
export function createGroupMembers(options: GroupMembersOptions) {
  const ttlMs = options.ttlMs ?? 300_000;
  const maxStaleMs = options.maxStaleMs ?? 900_000;
  const retryAfterFailureMs = options.retryAfterFailureMs ?? 30_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { members: Set<string>; fetchedAt: number }>();
  const failedAt = new Map<string, number>();
  const inflight = new Map<string, Promise<Set<string> | undefined>>();

  /** The group's members if they can be trusted now; undefined when they cannot be known. */
  async function members(groupId: string): Promise<Set<string> | undefined> {
    const cached = cache.get(groupId);
    const usable = () => {
      const known = cache.get(groupId);
      return known && now() - known.fetchedAt < ttlMs + maxStaleMs ? known.members : undefined;
    };
    if (cached && now() - cached.fetchedAt < ttlMs) return cached.members;
    // Right after a failure, clicks do not each ask Slack again.
    if (now() - (failedAt.get(groupId) ?? Number.NEGATIVE_INFINITY) < retryAfterFailureMs) return usable();
    let pending = inflight.get(groupId);
    if (!pending) {
      pending = options
        .listGroupMembers(groupId)
        .then((list) => {
          const set = new Set(list);
          cache.set(groupId, { members: set, fetchedAt: now() });
          failedAt.delete(groupId);
          return set;
        })
        .catch((err: unknown) => {
          failedAt.set(groupId, now());
          const stale = usable();
          options.logger.warn(
            { err: { message: (err as Error).message }, groupId, usingLastKnown: stale !== undefined },
            stale
              ? 'could not refresh approver group; using the last known members for now'
              : 'could not refresh approver group; its members cannot approve until Slack answers',
          );
          return stale;
        })
        .finally(() => inflight.delete(groupId));
      inflight.set(groupId, pending);
    }
    return pending;
  }

  return { members };
}

/** The shared cache of user groups' members. */
export type GroupMembers = ReturnType<typeof createGroupMembers>;

/** Who may approve: direct user IDs, plus members of the listed user groups (through the shared group cache). */
export function createApproverDirectory(options: ApproverDirectoryOptions) {
  const users = new Set(options.approvers.filter((id) => !id.startsWith('S')));
  const groups = options.approvers.filter((id) => id.startsWith('S'));
  const { members } = 'groupMembers' in options ? options.groupMembers : createGroupMembers(options);

  async function status(userId: string): Promise<ApproverStatus> {
    if (users.has(userId)) return 'approver';
    let unknown = false;
    for (const group of groups) {
      const found = await members(group);
      if (found?.has(userId)) return 'approver';
      if (!found) unknown = true;
    }
    return unknown ? 'unknown' : 'not_approver';
  }

  return {
    status,
    /** Whether this user may approve (false while that cannot be known). */
    async isApprover(userId: string): Promise<boolean> {
      return (await status(userId)) === 'approver';
    },
    /** The listed user and user-group IDs, as configured. */
    ids: [...options.approvers],
    /** How to name the approvers in a message: `<@U…>` and `<!subteam^S…>` mentions. */
    describe(): string {
      return options.approvers.map((id) => (id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`)).join(', ');
    },
  };
}

/** The approver directory. */
export type ApproverDirectory = ReturnType<typeof createApproverDirectory>;
