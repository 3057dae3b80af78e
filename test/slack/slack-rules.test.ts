import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlackStandIn } from '../../src/slack-standin/server.ts';
import {
  type AppHarness,
  approverId,
  modalAfter,
  openCard,
  otherApproverId,
  renewalRecordKeys,
  requesterId,
  startAppHarness,
} from '../support/app-harness.ts';
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

describe('messages', () => {
  it("chat.update works only on the bot's own messages", async () => {
    const { slack, client } = await standIn();
    const theirs = slack.postAsUser('C0CERTS', 'U0SOMEONE', 'hello');

    await expect(
      client.chat.update({ channel: 'C0CERTS', ts: theirs, text: 'edited' }),
    ).rejects.toMatchObject({
      data: { error: 'cant_update_message' },
    });
  });

  it.each([
    [
      'a block_id used twice',
      [
        { type: 'section', block_id: 'a', text: { type: 'mrkdwn', text: 'x' } },
        { type: 'section', block_id: 'a', text: { type: 'mrkdwn', text: 'y' } },
      ],
    ],
    [
      'an action_id used twice in a block',
      [
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'go', text: { type: 'plain_text', text: 'A' } },
            { type: 'button', action_id: 'go', text: { type: 'plain_text', text: 'B' } },
          ],
        },
      ],
    ],
    ['mrkdwn in a header', [{ type: 'header', text: { type: 'mrkdwn', text: '*x*' } }]],
    [
      'mrkdwn in a button',
      [
        {
          type: 'actions',
          elements: [{ type: 'button', action_id: 'go', text: { type: 'mrkdwn', text: '*A*' } }],
        },
      ],
    ],
  ])('%s is invalid_blocks', async (_label, blocks) => {
    const { client } = await standIn();

    await expect(
      client.chat.postMessage({ channel: 'C0CERTS', text: 'x', blocks: blocks as never }),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
  });

  it('an ephemeral goes only to a member of the channel', async () => {
    const slack = createSlackStandIn({ botToken: testBotToken, channelMembers: { C0CERTS: ['U0IN'] } });
    await slack.listen();
    closers.push(() => slack.close());
    const client = new WebClient(testBotToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });

    await client.chat.postEphemeral({ channel: 'C0CERTS', user: 'U0IN', text: 'hi' });

    await expect(
      client.chat.postEphemeral({ channel: 'C0CERTS', user: 'U0OUT', text: 'hi' }),
    ).rejects.toMatchObject({
      data: { error: 'user_not_in_channel' },
    });
  });

  it.each([
    ['private channel', 'private' as const, undefined, 'channel_not_found'],
    ['public channel, no chat:write.public', 'public' as const, ['chat:write'], 'not_in_channel'],
    ['public channel with chat:write.public', 'public' as const, undefined, undefined],
  ])('posting in a %s the bot is not in', async (_label, kind, scopes, error) => {
    const slack = createSlackStandIn({
      botToken: testBotToken,
      channelsWithoutBot: { C0ELSEWHERE: kind },
      ...(scopes ? { scopes } : {}),
    });
    await slack.listen();
    closers.push(() => slack.close());
    const client = new WebClient(testBotToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });

    const result = await client.chat.postMessage({ channel: 'C0ELSEWHERE', text: 'hi' }).then(
      () => undefined,
      (err: { data?: { error?: string } }) => err.data?.error,
    );

    expect(result).toBe(error);
  });

  it('a /cert renew in a private channel without the bot: the person is told to invite it, nothing is requested', async () => {
    const order = buildOrder();
    h = await startAppHarness({
      seed: { orders: [order] },
      standIn: { channelsWithoutBot: { C0CERTS: 'private' } },
    });

    await h.command(`renew ${order.orderId}`);
    const answer = await h.slack.waitForResponse();

    expect(answer.body.text).toContain('I cannot see this channel (private channels need an invite');
    const [record] = await renewalRecordKeys(h);
    expect(await h.app.redis.hget(record as string, 'state')).toBe('cancelled');
  });

  it('a response_url takes 5 posts in 30 minutes', async () => {
    const { slack } = await standIn();
    const url = slack.responseUrl();

    const statuses = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await fetch(url, { method: 'POST', body: JSON.stringify({ text: `${i}` }) })).status);

    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
  });
});

describe('a private answer to someone who is not in the channel', () => {
  it('a refused reject from an approver outside the channel arrives as a direct message', async () => {
    const order = buildOrder();
    h = await startAppHarness({
      seed: { orders: [order] },
      standIn: { channelMembers: { C0CERTS: [requesterId, approverId] } },
    });
    const harness = h;
    const card = await openCard(harness, String(order.orderId));
    const form = await modalAfter(harness, () =>
      harness.click('cert_reject', { user: otherApproverId, messageTs: card.ts, value: card.value }),
    );
    await harness.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
    await harness.waitForLog((e) => e.msg === 'renewal approved');

    await harness.submitView(form.callback_id ?? '', {
      user: otherApproverId,
      privateMetadata: form.private_metadata ?? '',
      values: { reason: { value: { type: 'plain_text_input', value: 'too late' } } },
    });
    const dm = await harness.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && c.args.channel === otherApproverId,
    );

    expect(String(dm.args.text)).toContain('Nothing changed');
    expect(
      harness.slack.calls.filter((c) => c.method === 'chat.postEphemeral').map((c) => c.response.error),
    ).toEqual(['user_not_in_channel']);
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
