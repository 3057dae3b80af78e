import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlackStandIn } from '../../src/slack-standin/server.ts';
import { type AppHarness, modalAfter, openCard, startAppHarness } from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';
import { testBotToken } from '../support/slack-payloads.ts';

let h: AppHarness | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await h?.stop();
  h = undefined;
  for (const close of closers.splice(0)) await close();
});

async function standIn() {
  const slack = createSlackStandIn({ botToken: testBotToken });
  await slack.listen();
  closers.push(() => slack.close());
  const client = new WebClient(testBotToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  return { slack, client };
}

const view = {
  type: 'modal' as const,
  title: { type: 'plain_text' as const, text: 'Test' },
  blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'hi' } }],
};

describe('the Slack stand-in refuses what Slack refuses', () => {
  it('a trigger_id opens one modal, only if Slack issued it', async () => {
    const { slack, client } = await standIn();
    const trigger = slack.issueTrigger();

    await client.views.open({ trigger_id: trigger, view });

    await expect(client.views.open({ trigger_id: trigger, view })).rejects.toMatchObject({
      data: { error: 'trigger_exchanged' },
    });
    await expect(client.views.open({ trigger_id: '1.2.made-up', view })).rejects.toMatchObject({
      data: { error: 'invalid_trigger_id' },
    });
  });
});

describe('modals open within the trigger_id window', () => {
  it('Reject while the approver group takes longer than 3 s to read: the modal opens at once and is filled after', async () => {
    const order = buildOrder();
    h = await startAppHarness({
      seed: { orders: [order] },
      env: { CERT_APPROVERS: 'S0PLATFORM' },
      standIn: { usergroups: { S0PLATFORM: ['U0MEMBER'] } },
    });
    const harness = h;
    const card = await openCard(harness, String(order.orderId));
    harness.slack.addFault({ method: 'usergroups.users.list', delayMs: 3_500 });

    const shown = await modalAfter(harness, () =>
      harness.click('cert_reject', { user: 'U0MEMBER', messageTs: card.ts, value: card.value }),
    );

    expect(shown.callback_id).toBe('cert_reject_modal');
    expect(harness.slack.calls.filter((c) => c.method === 'views.open').map((c) => c.response.ok)).toEqual([
      true,
    ]);
  }, 15_000);
});
