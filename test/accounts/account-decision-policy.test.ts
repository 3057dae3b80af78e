import { describe, expect, it } from 'vitest';
import { createApproverDirectory, createGroupMembers } from '../../src/approval/approvers.ts';
import { approvalsRequired, createDecisionPolicy } from '../../src/approval/decisions.ts';
import { createLogger } from '../../src/logging.ts';

// The one decision policy with accounts: an account's lists replace the environment's of the same kind for its
// requests; what it leaves out, and requests of no account, keep the environment's. Every list shares one group cache.

const logger = createLogger({ level: 'silent' });
const groups: Record<string, string[]> = { S0SHOPLEADS: ['U0LEAD'], S0ONCALL: ['U0ONCALL'] };

function policy() {
  const listed: string[] = [];
  const groupMembers = createGroupMembers({
    listGroupMembers: async (id) => {
      listed.push(id);
      return groups[id] ?? [];
    },
    logger,
  });
  const directory = (list: readonly string[]) => createApproverDirectory({ approvers: list, groupMembers });
  const own: Record<string, { approvers?: ReturnType<typeof directory> }> = {
    shop: { approvers: directory(['S0SHOPLEADS']) },
    bare: {},
  };
  const decisions = createDecisionPolicy({
    approvers: directory(['U0ENV']),
    rotationApprovers: directory(['S0ONCALL']),
    accountLists: (account) => (account === undefined ? undefined : own[account]),
  });
  return { decisions, listed, directory };
}

describe('who decides a request bound to an account', () => {
  it("the account's money list replaces CERT_APPROVERS; its rotation list, when it gives none, is the environment's", async () => {
    const { decisions } = policy();

    expect(await decisions.mayDecide('money', 'U0LEAD', 'shop')).toBe('approver');
    expect(await decisions.mayDecide('money', 'U0ENV', 'shop')).toBe('not_approver');
    expect(await decisions.mayDecide('rotation', 'U0ONCALL', 'shop')).toBe('approver');
    expect(await decisions.mayDecide('money', 'U0ENV', 'bare')).toBe('approver');
    expect(await decisions.mayDecide('money', 'U0LEAD', undefined)).toBe('not_approver');
    expect(decisions.ids('money', 'shop')).toEqual(['S0SHOPLEADS']);
    expect(decisions.ids('deployment', 'shop')).toEqual(['S0SHOPLEADS', 'S0ONCALL']);
    expect(decisions.describe('money', 'bare')).toBe('<@U0ENV>');
  });

  it('the same group in two lists is read from Slack once (one cache for all lists)', async () => {
    const { directory, listed } = policy();
    const a = directory(['S0SHOPLEADS']);
    const b = directory(['U0OTHER', 'S0SHOPLEADS']);

    await Promise.all([a.status('U0LEAD'), b.status('U0LEAD'), a.status('U0NOBODY')]);

    expect(listed).toEqual(['S0SHOPLEADS']);
  });

  it("the account's approvalsRequired for money, else CERT_APPROVALS_REQUIRED; a rotation needs one", () => {
    const settings = {
      approvalsRequired: 3,
      accountApprovals: (account: string | undefined) => (account === 'shop' ? 2 : undefined),
    };

    expect(approvalsRequired({ account: 'shop' }, settings)).toBe(2);
    expect(approvalsRequired({ account: 'bare' }, settings)).toBe(3);
    expect(approvalsRequired({}, settings)).toBe(3);
    expect(approvalsRequired({ kind: 'rotation', account: 'shop' }, settings)).toBe(1);
  });
});
