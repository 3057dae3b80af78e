import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.ts';
import type { RenewalRecord } from '../../src/renewals/record.ts';
import { renderExpiryAlerts } from '../../src/slack/alert-messages.ts';
import { createAlertPosts } from '../../src/slack/alert-posts.ts';
import { createPermalinks } from '../../src/slack/permalinks.ts';
import { createRenewedAlertUpdates } from '../../src/slack/renewed-alerts.ts';
import { createSlackStandIn } from '../../src/slack-standin/server.ts';
import { deleteKeysWithPrefix, testRedisUrl, uniquePrefix } from '../support/redis.ts';
import { testBotToken } from '../support/slack-payloads.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const day = 86_400_000;
const order = (orderId: string) => ({
  orderId,
  domain: `site${orderId}.example.com`,
  productName: 'DigiCert DV (plan)',
  status: 'WILLEXPIRED',
  certEndTime: Date.now() + 5 * day,
  daysLeft: 5,
});

/** A renewal of `orderId` whose new order is known, with its card in C0CERTS. */
const renewal = (orderId: string): RenewalRecord =>
  ({
    id: `r${orderId}`,
    orderId,
    newOrderId: `9${orderId}`,
    channelId: 'C0CERTS',
    messageTs: '1700000000.000100',
  }) as RenewalRecord;

/** One expiry alert of two orders, posted in the stand-in and remembered, as a scan leaves it. */
async function postedAlert() {
  const slack = createSlackStandIn({ botToken: testBotToken });
  await slack.listen();
  const redis = new Redis(testRedisUrl());
  const prefix = uniquePrefix('alerts');
  cleanups.push(async () => {
    await slack.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });
  const client = new WebClient(testBotToken, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
  });
  const posts = createAlertPosts({ redis, prefix });
  const orders = [order('800001'), order('800002')];
  const [message] = renderExpiryAlerts(orders);
  if (!message) throw new Error('no alert rendered');
  const posted = await client.chat.postMessage({
    channel: 'C0ALERTS',
    text: message.text,
    blocks: message.blocks,
  });
  await posts.record('C0ALERTS', posted.ts as string, message, orders);
  // An alert deleted from Slack since: its record is left, its message is gone.
  await posts.record('C0ALERTS', '1700000000.000999', message, orders);
  const updates = (slackClient: WebClient) =>
    createRenewedAlertUpdates({
      posts,
      slack: slackClient,
      permalinks: createPermalinks(client),
      logger: silentLogger,
    });
  return { slack, client, ts: posted.ts as string, updates };
}

const renewButtons = (blocks: unknown) =>
  (blocks as Array<{ elements?: Array<{ action_id?: string; value?: string }> }>)
    .flatMap((b) => b.elements ?? [])
    .filter((e) => e.action_id === 'cert_renew')
    .map((e) => e.value);

describe('expiry alerts of renewed orders', () => {
  it('two orders of one alert renewed at once: the alert ends without either Renew, whichever update lands last', async () => {
    const { slack, client, ts, updates } = await postedAlert();
    // The first update of the first renewal is held until the second renewal updated the alert: its stale
    // rendering (only the first order renewed) then lands last.
    let entered!: () => void;
    const held = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let go!: () => void;
    const gate = new Promise<void>((resolve) => {
      go = resolve;
    });
    let first = true;
    const slow = {
      chat: {
        update: async (args: Parameters<WebClient['chat']['update']>[0]) => {
          if (first && args.ts === ts) {
            first = false;
            entered();
            await gate;
          }
          return client.chat.update(args);
        },
      },
    } as unknown as WebClient;

    const one = updates(slow)(renewal('800001'));
    await held;
    await updates(client)(renewal('800002'));
    go();
    await one;

    expect(renewButtons(slack.message('C0ALERTS', ts)?.blocks)).toEqual([]);
    expect(JSON.stringify(slack.message('C0ALERTS', ts)?.blocks)).toContain('Renewed as order `9800002`');
    expect(JSON.stringify(slack.message('C0ALERTS', ts)?.blocks)).toContain('Renewed as order `9800001`');
  });

  it('an alert Slack no longer has (deleted) is given up on, not retried for ever', async () => {
    const { slack, client, updates } = await postedAlert();
    const ts = '1700000000.000999';

    await updates(client)(renewal('800001'));
    await updates(client)(renewal('800001'));

    const tries = slack.calls.filter((c) => c.method === 'chat.update' && c.args.ts === ts);
    expect(tries.map((c) => c.response.error)).toEqual(['message_not_found']);
  });
});
