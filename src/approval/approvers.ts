import type { Logger } from '../logger.ts';

/** Looks up the members of a Slack user group (`usergroups.users.list`). */
export type ListGroupMembers = (groupId: string) => Promise<string[]>;

/** Options of {@link createApproverDirectory}. */
export interface ApproverDirectoryOptions {
  /** `CERT_APPROVERS`: user IDs (`U…`/`W…`) and user-group IDs (`S…`). */
  approvers: readonly string[];
  listGroupMembers: ListGroupMembers;
  /** How long a group's member list is trusted, milliseconds. @defaultValue 300000 */
  ttlMs?: number;
  now?: () => number;
  logger: Logger;
}

/** Who may approve: direct user IDs, plus members of the listed user groups (cached, refreshed). */
export function createApproverDirectory(options: ApproverDirectoryOptions) {
  const users = new Set(options.approvers.filter((id) => !id.startsWith('S')));
  const groups = options.approvers.filter((id) => id.startsWith('S'));
  const ttlMs = options.ttlMs ?? 300_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { members: Set<string>; fetchedAt: number }>();
  const inflight = new Map<string, Promise<Set<string> | undefined>>();

  async function members(groupId: string): Promise<Set<string> | undefined> {
    const cached = cache.get(groupId);
    if (cached && now() - cached.fetchedAt < ttlMs) return cached.members;
    let pending = inflight.get(groupId);
    if (!pending) {
      pending = options
        .listGroupMembers(groupId)
        .then((list) => {
          const set = new Set(list);
          cache.set(groupId, { members: set, fetchedAt: now() });
          return set;
        })
        .catch((err: unknown) => {
          // A stale list beats locking every approver out while Slack is unreachable.
          options.logger.warn(
            { err: { message: (err as Error).message }, groupId },
            'could not refresh approver group; using the last known members',
          );
          return cache.get(groupId)?.members;
        })
        .finally(() => inflight.delete(groupId));
      inflight.set(groupId, pending);
    }
    return pending;
  }

  return {
    /** Whether this user may approve. */
    async isApprover(userId: string): Promise<boolean> {
      if (users.has(userId)) return true;
      for (const group of groups) {
        if ((await members(group))?.has(userId)) return true;
      }
      return false;
    },
    /** How to name the approvers in a message: `<@U…>` and `<!subteam^S…>` mentions. */
    describe(): string {
      return options.approvers.map((id) => (id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`)).join(', ');
    },
  };
}

/** The approver directory. */
export type ApproverDirectory = ReturnType<typeof createApproverDirectory>;
