import type { RenewalRecord } from '../renewals/record.ts';

/** Slack error code of a Web API failure, if it is one. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** Links to a card's thread (Slack resolves the workspace). */
export function threadLink(record: Pick<RenewalRecord, 'channelId' | 'messageTs'>): string {
  return record.messageTs
    ? `https://slack.com/archives/${record.channelId}/p${record.messageTs.replace('.', '')}`
    : `<#${record.channelId}>`;
}
