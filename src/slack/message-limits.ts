import type { KnownBlock } from '@slack/web-api';
import { clipMrkdwn } from './mrkdwn.ts';

/**
 * What the bot keeps every message within (`../shared/reference/slack.md` §6, docs.slack.dev/reference/block-kit),
 * so that Slack never refuses one for its size: a refusal would hold up the request's outbox.
 */
export const slackLimits = {
  /** Blocks in one message. */
  blocks: 50,
  /** A section's `text`, and any other mrkdwn text object not listed below. */
  sectionText: 3000,
  /** One of a section's `fields`. */
  field: 2000,
  header: 150,
  buttonText: 75,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /**
   * Slack refuses blocks past an undocumented total with `msg_blocks_too_long`. Reports disagree on what it
   * counts (bolt-js#2509: ~13,200 characters of text; bolt-js#2867: 9,597 characters of text accepted, 11,341
   * refused, with 15,561 of JSON accepted): the bot keeps the blocks' JSON, and so their text too, under the
   * smallest size seen accepted.
   */
  blocksChars: 9_000,
  /**
   * A message's top-level `text`. Slack truncates past 40,000 characters and its documentation advises at most
   * 4,000 for a readable message; thread messages are folded to this.
   */
  text: 4_000,
} as const;

/** Length of the blocks as Slack receives them (JSON). */
export const blocksLength = (blocks: readonly KnownBlock[]): number => JSON.stringify(blocks).length;

/**
 * Head blocks, then as many `items` as fit in Slack's block count and size budget beside `tail`, then `more(n)`
 * (an "…and N more" block) when `n` items did not fit. `head` and `tail` are kept whole: keep them small.
 */
export function foldBlocks(parts: {
  head: readonly KnownBlock[];
  items: readonly KnownBlock[];
  tail: readonly KnownBlock[];
  more: (hidden: number) => KnownBlock;
}): KnownBlock[] {
  const { head, items, tail, more } = parts;
  const reserve = blocksLength([...head, ...tail, more(items.length)]);
  const room = slackLimits.blocks - head.length - tail.length;
  const shown: KnownBlock[] = [];
  let size = reserve;
  for (const item of items) {
    const cost = JSON.stringify(item).length + 1;
    // The last free block is kept for "…and N more" unless this item is the last.
    const slots = shown.length === items.length - 1 ? room : room - 1;
    if (shown.length >= slots || size + cost > slackLimits.blocksChars) break;
    shown.push(item);
    size += cost;
  }
  const hidden = items.length - shown.length;
  return [...head, ...shown, ...(hidden > 0 ? [more(hidden)] : []), ...tail];
}

/**
 * `head`, as many `items` as fit, `more(n)` for the `n` that did not, then `tail`, one per line, within `max`
 * characters. Lines are mrkdwn already escaped; an item too long alone is clipped without cutting a token.
 */
export function foldLines(parts: {
  head: readonly string[];
  items: readonly string[];
  tail: readonly string[];
  more: (hidden: number) => string;
  max?: number;
}): string {
  const { head, items, tail, more } = parts;
  const max = parts.max ?? slackLimits.text;
  const whole = [...head, ...items, ...tail].join('\n');
  if (whole.length <= max) return whole;
  const fixed = [...head, more(items.length), ...tail].map((l) => clipMrkdwn(l, Math.floor(max / 4)));
  let size = fixed.join('\n').length;
  const shown: string[] = [];
  for (const item of items) {
    const line = clipMrkdwn(item, Math.floor(max / 4));
    if (size + line.length + 1 > max) break;
    shown.push(line);
    size += line.length + 1;
  }
  const [headLines, tailLines] = [fixed.slice(0, head.length), fixed.slice(head.length + 1)];
  const hidden = items.length - shown.length;
  return [...headLines, ...shown, ...(hidden > 0 ? [more(hidden)] : []), ...tailLines].join('\n');
}

type TextObject = { type: string; text: string };

/** Clips one text object to `max`: mrkdwn without cutting a token or an entity, plain text at a character. */
function clip(obj: TextObject | undefined, max: number): void {
  if (!obj || obj.text.length <= max) return;
  obj.text = obj.type === 'mrkdwn' ? clipMrkdwn(obj.text, max) : `${obj.text.slice(0, max - 1)}…`;
}

/** Every text object in a block with the most Slack accepts there. */
function textsOf(block: Record<string, unknown>): Array<[TextObject, number]> {
  const found: Array<[TextObject, number]> = [];
  const element = (el: Record<string, unknown> | undefined) => {
    if (el?.type !== 'button') return;
    found.push([el.text as TextObject, slackLimits.buttonText]);
    const confirm = el.confirm as Record<string, TextObject> | undefined;
    if (!confirm) return;
    found.push([confirm.title as TextObject, slackLimits.confirmTitle]);
    found.push([confirm.text as TextObject, slackLimits.confirmText]);
    found.push([confirm.confirm as TextObject, slackLimits.confirmButton]);
    found.push([confirm.deny as TextObject, slackLimits.confirmButton]);
  };
  if (block.type === 'header') found.push([block.text as TextObject, slackLimits.header]);
  if (block.type === 'section') {
    if (block.text) found.push([block.text as TextObject, slackLimits.sectionText]);
    for (const f of (block.fields as TextObject[] | undefined) ?? []) found.push([f, slackLimits.field]);
    element(block.accessory as Record<string, unknown> | undefined);
  }
  const elements = (block.elements as Array<Record<string, unknown>> | undefined) ?? [];
  if (block.type === 'context')
    for (const el of elements) found.push([el as TextObject, slackLimits.sectionText]);
  if (block.type === 'actions') for (const el of elements) element(el);
  return found.filter(([t]) => t !== undefined && typeof t.text === 'string');
}

/**
 * A message Slack accepts whatever text it carries: every text object clipped to its limit, then the longest
 * texts shortened until the blocks fit the size budget, and the top-level text clipped. Works on a copy.
 */
export function fitMessage<M extends { text: string; blocks: KnownBlock[] }>(message: M): M {
  const blocks = structuredClone(message.blocks);
  const texts = blocks.flatMap((b) => textsOf(b as unknown as Record<string, unknown>));
  for (const [t, max] of texts) clip(t, max);
  let excess = blocksLength(blocks) - slackLimits.blocksChars;
  // Each pass halves the longest text or takes off the excess, whichever is less: it ends within budget
  // unless the blocks' structure alone is over it (the renderers fold lists with foldBlocks first).
  for (let pass = 0; excess > 0 && pass < 200; pass++) {
    const longest = texts.reduce<TextObject | undefined>(
      (a, [t]) => (!a || t.text.length > a.text.length ? t : a),
      undefined,
    );
    if (!longest || longest.text.length <= 20) break;
    clip(longest, Math.max(20, longest.text.length - Math.max(excess + 8, 1), longest.text.length >> 1));
    excess = blocksLength(blocks) - slackLimits.blocksChars;
  }
  const text =
    message.text.length > slackLimits.text ? clipMrkdwn(message.text, slackLimits.text) : message.text;
  return { ...message, text, blocks };
}
