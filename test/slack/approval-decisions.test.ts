import { afterEach, describe, expect, it } from 'vitest';
import { createApproverDirectory } from '../../src/approval/approvers.ts';
import { createDecisionPolicy, type Decision } from '../../src/approval/decisions.ts';
import { createLogger } from '../../src/logging.ts';
import {
  type AppHarness,
  approverId,
  openCard,
  otherApproverId,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { deploymentTests, type Resource } from '../support/deployment.ts';

// Money and rotation are different decisions (issue 20.2): CERT_ROTATION_APPROVERS may approve what spends no
// money (rotations, deployments), never a V1 renewal, which spends plan quota.

const rotator = 'U0ROTATOR';
const { upToDeployCard } = deploymentTests();
let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('a rotation approver', () => {
  it('may not approve a V1 renewal: a private message says why and who can', async () => {
    const order = buildOrder();
    h = await startAppHarness({ seed: { orders: [order] }, env: { CERT_ROTATION_APPROVERS: rotator } });
    const card = await openCard(h, String(order.orderId));

    await h.click('cert_approve', { user: rotator, messageTs: card.ts, value: card.value });
    const answer = await h.slack.waitForResponse();

    expect(answer.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(answer.body.text).toBe(
      `Only <@${approverId}>, <@${otherApproverId}> can approve this renewal. It spends plan quota (money); you may approve rotations and deployments only (\`CERT_ROTATION_APPROVERS\`).`,
    );
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('requested');
    expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'approvals')).toBeNull();
  });

  it('may approve a deployment (the card says it is free), and a bystander is told who can', async () => {
    const resources: Resource[] = [
      { id: '601', cloudProduct: 'CDN', domain: 'shop.example.com', regionId: 'cn-hangzhou' },
    ];
    const { card, harness, deployTs, deployValue, deployText } = await upToDeployCard({
      resources,
      env: { CERT_ROTATION_APPROVERS: rotator },
    });
    expect(deployText).toMatch(/^\[\{"type":"context","block_id":"decision_kind".*\*Free:\* deploying/);

    await harness.click('cert_deploy', { user: 'U0BYSTANDER', messageTs: deployTs, value: deployValue });
    const refused = await harness.slack.waitForResponse();
    await harness.click('cert_deploy', { user: rotator, messageTs: deployTs, value: deployValue });
    await harness.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && /Serving the new certificate on/.test(String(c.args.text)),
      20_000,
    );

    expect(refused.body.text).toBe(
      `Only <@${approverId}>, <@${otherApproverId}>, <@${rotator}> can deploy, skip or roll back this certificate.`,
    );
    const deployment = await harness.app.redis.hgetall(`${harness.prefix}:deployment:${card.recordId}`);
    expect(deployment.decidedBy).toBe(rotator);
  });
});

describe('mayDecide', () => {
  const logger = createLogger({ level: 'silent' });
  const policy = (rotationGroup: () => Promise<string[]>) =>
    createDecisionPolicy({
      approvers: createApproverDirectory({
        approvers: [approverId],
        listGroupMembers: async () => [],
        logger,
      }),
      rotationApprovers: createApproverDirectory({
        approvers: [rotator, 'S0ONCALL'],
        listGroupMembers: rotationGroup,
        logger,
      }),
    });

  it.each([
    ['money', approverId, 'approver'],
    ['rotation', approverId, 'approver'],
    ['deployment', approverId, 'approver'],
    ['money', rotator, 'not_approver'],
    ['rotation', rotator, 'approver'],
    ['deployment', rotator, 'approver'],
    ['money', 'U0ONCALLER', 'not_approver'],
    ['rotation', 'U0ONCALLER', 'approver'],
    ['deployment', 'U0BYSTANDER', 'not_approver'],
  ] as const)('%s by %s: %s', async (decision: Decision, userId, expected) => {
    const decide = policy(async () => ['U0ONCALLER']);

    expect(await decide.mayDecide(decision, userId)).toBe(expected);
  });

  it('fails closed on a rotation group Slack cannot list, and names who may decide', async () => {
    const decide = policy(async () => {
      throw new Error('ratelimited');
    });

    expect(await decide.mayDecide('rotation', 'U0ONCALLER')).toBe('unknown');
    expect(await decide.mayDecide('money', 'U0ONCALLER')).toBe('not_approver');
    expect(decide.describe('money')).toBe(`<@${approverId}>`);
    expect(decide.describe('deployment')).toBe(`<@${approverId}>, <@${rotator}>, <!subteam^S0ONCALL>`);
  });
});
