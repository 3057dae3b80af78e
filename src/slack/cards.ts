import type { KnownBlock, MrkdwnElement, PlainTextElement } from '@slack/web-api';
import type { CardClaim } from '../renewals/outcomes.ts';
import type { RenewalRecord } from '../renewals/record.ts';

/*
 * What every card shares: the action IDs of its buttons, their values, the message shape. The cards themselves:
 * approval-card.ts (the request's card), deploy-card.ts (the deployment card), status-line.ts (the status both show).
 */

/** Stable action IDs (part of the contract). */
export const actionIds = {
  approve: 'cert_approve',
  reject: 'cert_reject',
  renew: 'cert_renew',
  attachCsr: 'cert_attach_csr',
  recheck: 'cert_recheck',
  resolve: 'cert_resolve',
  deploy: 'cert_deploy',
  deploySkip: 'cert_deploy_skip',
  rollback: 'cert_rollback',
  tlsRecheck: 'cert_tls_recheck',
} as const;

/** A card button's value: the request and the version shown, so a decision applies only to what was seen. */
export function cardValue(record: Pick<RenewalRecord, 'id' | 'version'>): string {
  return `${record.id}.${record.version}`;
}

/** Reads a card button's value; undefined unless it names a request and a version (never trusted further). */
export function parseCardValue(value: string | undefined): CardClaim | undefined {
  const match = /^([A-Za-z0-9]{1,64})\.([0-9]{1,9})$/.exec(value ?? '');
  return match ? { id: match[1] as string, version: Number(match[2]) } : undefined;
}

/** A Block Kit message: top-level `text` is always set (notifications, screen readers, fallback). */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** A plain-text element (emoji shortcodes rendered). */
export const plain = (text: string): PlainTextElement => ({ type: 'plain_text', text, emoji: true });
/** A mrkdwn text element; its text must already be escaped. */
export const md = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text });
