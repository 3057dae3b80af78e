import type { KnownBlock } from '@slack/web-api';
import type { Alert } from '../alerts/alert.ts';
import type { ExpiringOrder } from '../alerts/expiring-orders.ts';
import type { SlackMessage } from './cards.ts';
import {
  renderHostingAlerts,
  renderInstanceCertificateAlerts,
  renderSubscriptionAlerts,
} from './instance-alert-messages.ts';
import { clipMrkdwn, escapeMrkdwn, slackDate } from './mrkdwn.ts';

/** Action IDs of alert buttons (`cert_renew` is part of the contract). */
export const alertActionIds = { renew: 'cert_renew', snooze: 'cert_snooze' } as const;

/** An alert row's buttons: Renew and Snooze, both carrying the order's or instance's ID. */
export function renewAndSnooze(blockId: string, value: string): KnownBlock {
  return {
    type: 'actions',
    block_id: blockId,
    elements: [
      {
        type: 'button',
        action_id: alertActionIds.renew,
        style: 'primary',
        text: { type: 'plain_text', text: 'Renew' },
        value,
      },
      {
        type: 'button',
        action_id: alertActionIds.snooze,
        text: { type: 'plain_text', text: 'Snooze 7 days' },
        value,
      },
    ],
  };
}

/** Orders per alert message: two blocks each, within Slack's 50 blocks and ~13k characters. */
export const ordersPerAlertMessage = 20;

const orderLine = (
  o: Pick<ExpiringOrder, 'domain' | 'orderId' | 'certEndTime' | 'productName'>,
  days: string,
) =>
  `*${escapeMrkdwn(o.domain || 'unknown domain')}* · ${/^[0-9]+$/.test(o.orderId) ? 'order' : 'instance'} \`${escapeMrkdwn(o.orderId)}\` · expires ${slackDate(o.certEndTime, '{date_short}')} (${days}) · ${escapeMrkdwn(o.productName || 'unknown product')}`;

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
      blocks.push(renewAndSnooze(`actions-${o.orderId}`, o.orderId));
    }
    const names = chunk.map((o) => `${escapeMrkdwn(o.domain)} (${o.daysLeft} days)`).join(', ');
    messages.push({ text: clipMrkdwn(`Certificates expiring soon: ${names}`, 3000), blocks });
  }
  return messages;
}

/**
 * The final alert of orders that expired without a renewal: one section per order, split into messages like the
 * expiring alerts, so that no order is cut off (each order's line is far below a section's 3000 characters).
 */
export function renderExpiredAlerts(
  orders: ReadonlyArray<Pick<ExpiringOrder, 'domain' | 'orderId' | 'certEndTime' | 'productName'>>,
): SlackMessage[] {
  const messages: SlackMessage[] = [];
  for (let i = 0; i < orders.length; i += ordersPerAlertMessage) {
    const chunk = orders.slice(i, i + ordersPerAlertMessage);
    const names = chunk.map((o) => escapeMrkdwn(o.domain)).join(', ');
    messages.push({
      text: clipMrkdwn(`Certificates expired without a renewal: ${names}`, 3000),
      blocks: [
        {
          type: 'header',
          text: { type: 'plain_text', text: `Certificates expired without a renewal (${orders.length})` },
        },
        ...chunk.map(
          (o): KnownBlock => ({
            type: 'section',
            block_id: `expired-${o.orderId}`,
            text: { type: 'mrkdwn', text: `:rotating_light: ${orderLine(o, '*expired*')}` },
          }),
        ),
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: 'Replace them now: buy or apply for new certificates in the CAS console.',
            },
          ],
        },
      ],
    });
  }
  return messages;
}

/** "Expiry scanning", "of account x" with an accounts file. */
const scanning = (account: string | undefined) =>
  `Expiry scanning${account ? ` of account ${escapeMrkdwn(account)}` : ''}`;

/** Posted once when the scan (of an account) fails twice in a row, and once when it works again. */
export const scanHealthText = {
  failing: (reason: string, failures: number, account?: string) =>
    `:rotating_light: *${scanning(account)} is failing* (${failures} runs in a row): ${escapeMrkdwn(reason)}. No expiry alerts${account ? ' of this account' : ''} are sent until it works again. Check the bot's Alibaba Cloud credentials and CAS access (\`npm run cas -- list\`).`,
  recovered: (account?: string) => `:white_check_mark: ${scanning(account)} works again.`,
};

/** A message of an alert, with the orders it offers to renew (remembered, so that a renewal can update it). */
export interface AlertMessage {
  message: SlackMessage;
  orders: ReadonlyArray<Pick<ExpiringOrder, 'orderId' | 'certEndTime'>>;
}

/**
 * The messages of an alert, in the order they are posted: expiring orders, V2 certificates, hosted ones hosting has
 * not rotated, ending subscriptions, then the expired ones.
 */
export function renderAlert(alert: Alert): AlertMessage[] {
  switch (alert.kind) {
    case 'expiry': {
      const { expiring, expired, certificates = [], subscriptions = [] } = alert;
      const v2 = [
        ...renderInstanceCertificateAlerts(certificates.filter((c) => !c.hosted)),
        ...renderHostingAlerts(
          certificates.filter((c) => c.hosted),
          alert.hostingQuotaLeft,
        ),
        ...renderSubscriptionAlerts(subscriptions),
      ];
      return [
        ...renderExpiryAlerts(expiring).map((message, i) => ({
          message,
          orders: expiring.slice(i * ordersPerAlertMessage, (i + 1) * ordersPerAlertMessage),
        })),
        ...v2.map((message) => ({ message, orders: [] })),
        ...renderExpiredAlerts(expired).map((message) => ({ message, orders: [] })),
      ];
    }
    case 'scan_failing': {
      const text = scanHealthText.failing(alert.reason, alert.failures, alert.account);
      return [
        { message: { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] }, orders: [] },
      ];
    }
    case 'scan_recovered':
      return [{ message: { text: scanHealthText.recovered(alert.account), blocks: [] }, orders: [] }];
  }
}
