import type { KnownBlock } from '@slack/web-api';
import type { SlackMessage } from '../slack/cards.ts';
import { escapeMrkdwn, slackDate } from '../slack/mrkdwn.ts';
import type { ExpiringOrder } from './expiring-orders.ts';

/** Action IDs of alert buttons (`cert_renew` is part of the contract). */
export const alertActionIds = { renew: 'cert_renew', snooze: 'cert_snooze' } as const;

/** Orders per alert message: two blocks each, within Slack's 50 blocks and ~13k characters. */
export const ordersPerAlertMessage = 20;

const orderLine = (
  o: Pick<ExpiringOrder, 'domain' | 'orderId' | 'certEndTime' | 'productName'>,
  days: string,
) =>
  `*${escapeMrkdwn(o.domain || 'unknown domain')}* · order \`${o.orderId}\` · expires ${slackDate(o.certEndTime, '{date_short}')} (${days}) · ${escapeMrkdwn(o.productName || 'unknown product')}`;

/** The alert messages for one channel: orders that crossed a threshold, each with Renew and Snooze. */
export function renderExpiryAlerts(orders: readonly ExpiringOrder[]): SlackMessage[] {
  const messages: SlackMessage[] = [];
  for (let i = 0; i < orders.length; i += ordersPerAlertMessage) {
    const chunk = orders.slice(i, i + ordersPerAlertMessage);
    const blocks: KnownBlock[] = [
      { type: 'header', text: { type: 'plain_text', text: `Certificates expiring soon (${orders.length})` } },
    ];
    for (const o of chunk) {
      const days = o.daysLeft <= 0 ? '*today*' : `*${o.daysLeft} day${o.daysLeft === 1 ? '' : 's'} left*`;
      blocks.push({
        type: 'section',
        block_id: `order-${o.orderId}`,
        text: { type: 'mrkdwn', text: orderLine(o, days) },
      });
      blocks.push({
        type: 'actions',
        block_id: `actions-${o.orderId}`,
        elements: [
          {
            type: 'button',
            action_id: alertActionIds.renew,
            style: 'primary',
            text: { type: 'plain_text', text: 'Renew' },
            value: o.orderId,
          },
          {
            type: 'button',
            action_id: alertActionIds.snooze,
            text: { type: 'plain_text', text: 'Snooze 7 days' },
            value: o.orderId,
          },
        ],
      });
    }
    const names = chunk.map((o) => `${o.domain} (${o.daysLeft} days)`).join(', ');
    messages.push({ text: `Certificates expiring soon: ${names}`.slice(0, 3000), blocks });
  }
  return messages;
}

/** The one final alert of orders that expired without a renewal. */
export function renderExpiredAlert(
  orders: ReadonlyArray<Pick<ExpiringOrder, 'domain' | 'orderId' | 'certEndTime' | 'productName'>>,
): SlackMessage {
  const lines = orders.map((o) => `:rotating_light: ${orderLine(o, '*expired*')}`);
  return {
    text: `Certificates expired without a renewal: ${orders.map((o) => o.domain).join(', ')}`.slice(0, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Certificates expired without a renewal' } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${lines.join('\n')}\nReplace them now: buy or apply for new certificates in the CAS console.`.slice(
            0,
            3000,
          ),
        },
      },
    ],
  };
}

/** Posted once when the scan fails twice in a row, and once when it works again. */
export const scanHealthText = {
  failing: (reason: string, failures: number) =>
    `:rotating_light: *Expiry scanning is failing* (${failures} runs in a row): ${escapeMrkdwn(reason)}. No expiry alerts are sent until it works again. Check the bot's Alibaba Cloud credentials and CAS access (\`npm run cas -- list\`).`,
  recovered: () => ':white_check_mark: Expiry scanning works again.',
};
