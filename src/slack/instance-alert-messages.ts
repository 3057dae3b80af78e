import type { KnownBlock } from '@slack/web-api';
import type { InstanceCertificate, SubscriptionEnding } from '../alerts/expiring-instances.ts';
import { casConsoleUrls } from '../renewals/application.ts';
import { renewAndSnooze } from './alert-messages.ts';
import type { SlackMessage } from './cards.ts';
import { clipMrkdwn, code, escapeMrkdwn, slackDate } from './mrkdwn.ts';

/** Rows per message: within Slack's 50 blocks (two blocks a certificate row). */
const perMessage = 20;

/**
 * Where a subscription is bought again: the CAS console (SSL Certificate Management lists each instance by its ID).
 * No deep link to an instance's renewal page is documented, so the console's entry point is given on both sites.
 */
const consoleLinks = `<${casConsoleUrls.china}|CAS console> (international: <${casConsoleUrls.international}|CAS console>)`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const daysText = (daysLeft: number) => (daysLeft <= 0 ? '*today*' : `*${plural(daysLeft, 'day')} left*`);
const domainOf = (domain: string) => `*${escapeMrkdwn(domain || 'unknown domain')}*`;

/** Splits rows into messages of at most {@link perMessage}, each with a header and a fallback text. */
function chunked<T>(
  rows: readonly T[],
  title: string,
  blocksOf: (row: T) => KnownBlock[],
  nameOf: (row: T) => string,
  footer?: string,
): SlackMessage[] {
  const messages: SlackMessage[] = [];
  for (let i = 0; i < rows.length; i += perMessage) {
    const chunk = rows.slice(i, i + perMessage);
    const blocks: KnownBlock[] = [
      { type: 'header', text: { type: 'plain_text', text: `${title} (${rows.length})` } },
      ...chunk.flatMap(blocksOf),
    ];
    if (footer) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: footer }] });
    const names = chunk.map(nameOf).join(', ');
    messages.push({ text: clipMrkdwn(`${title}: ${names}`, 3000), blocks });
  }
  return messages;
}

/** One row of an alert: a mrkdwn section. */
const line = (blockId: string, text: string): KnownBlock => ({
  type: 'section',
  block_id: blockId,
  text: { type: 'mrkdwn', text },
});

/** A V2 certificate's line: domain, instance, certificate, end, days and share of its own lifetime left. */
const certificateLine = (c: InstanceCertificate) =>
  `${domainOf(c.domain)} · instance ${code(c.instanceId)}${c.certificateId ? ` · certificate ${code(c.certificateId)}` : ''} · expires ${slackDate(c.notAfter, '{date_short}')} (${daysText(c.daysLeft)}, ${c.percentLeft}% of its lifetime) · V2 subscription`;

/** A V2 certificate to rotate: its line, then Renew (the instance ID) and Snooze. */
const certificateRow = (c: InstanceCertificate): KnownBlock[] => [
  line(
    `instance-${c.instanceId}`,
    `${certificateLine(c)}${c.pending ? '\n_An application for its next certificate is under way._' : ''}`,
  ),
  renewAndSnooze(`instance-actions-${c.instanceId}`, c.instanceId),
];
const certificateName = (c: InstanceCertificate) => `${escapeMrkdwn(c.domain)} (${c.daysLeft} days)`;

/** V2 certificates to rotate: each with Renew (the instance ID) and Snooze. */
export const renderInstanceCertificateAlerts = (certs: readonly InstanceCertificate[]): SlackMessage[] =>
  chunked(certs, 'Subscription certificates expiring soon', certificateRow, certificateName);

/** A hosted certificate's line (no button). */
const hostedRow = (c: InstanceCertificate): KnownBlock[] => [
  line(
    `hosted-${c.instanceId}`,
    `:warning: ${domainOf(c.domain)} · instance ${code(c.instanceId)} · hosted (auto-managed by CAS) · expires ${slackDate(c.notAfter, '{date_short}')} (${daysText(c.daysLeft)}) and CAS hosting has not rotated it`,
  ),
];

/** Hosted V2 certificates CAS hosting has not rotated in time: no button (CAS, not the bot, rotates them). */
export function renderHostingAlerts(
  certs: readonly InstanceCertificate[],
  quotaLeft?: number,
): SlackMessage[] {
  const quota =
    quotaLeft === undefined
      ? ''
      : ` CAS says the account has ${quotaLeft === 0 ? '*no hosting quota left*' : `${quotaLeft} hosting rotations left`}.`;
  const footer = `CAS hosting applies for the next certificate 30 days before the end. When it has not, the hosting quota may be used up, or the domain's DNS may not be on Alibaba Cloud DNS. Check the instance in the ${consoleLinks}.${quota}`;
  return chunked(certs, 'Hosted certificates CAS has not rotated', hostedRow, certificateName, footer);
}

const subscriptionEnd = (s: SubscriptionEnding) => {
  if (s.threshold === -1)
    return s.orderEndTime ? `ended ${slackDate(s.orderEndTime, '{date_short}')}` : 'ended';
  if (s.orderEndTime === undefined) return 'ends soon (CAS says it will expire)';
  return `ends ${slackDate(s.orderEndTime, '{date_short}')} (${daysText(s.daysLeft ?? 0)})`;
};

const subscriptionRow = (s: SubscriptionEnding): KnownBlock[] => [
  line(
    `subscription-${s.instanceId}`,
    `:moneybag: ${domainOf(s.domain)} · V2 subscription ${code(s.instanceId)} ${subscriptionEnd(s)}`,
  ),
];

/** Subscriptions that end: a purchase a person decides, in the console. No button: nothing here buys. */
export const renderSubscriptionAlerts = (subs: readonly SubscriptionEnding[]): SlackMessage[] =>
  chunked(
    subs,
    'Subscriptions ending: a purchase is needed',
    subscriptionRow,
    (s) => escapeMrkdwn(s.domain),
    `No certificate can be issued on a subscription after it ends, and no API buys another: buy or renew the subscription in the ${consoleLinks}.`,
  );
