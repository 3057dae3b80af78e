/**
 * How Slack measures a message's blocks against its undocumented total (`msg_blocks_too_long`), and where it
 * draws the line. Reports disagree: ~13,200 characters (bolt-js#2509, markdown blocks), or text 9,597 accepted
 * and 11,341 refused while JSON 15,561 was accepted (bolt-js#2867). The stand-in can count either way.
 */
export interface BlocksLimit {
  /** `json`: the blocks as sent; `text`: the characters of every text value in them. */
  measure: 'json' | 'text';
  max: number;
}

/** The stand-in's default: the blocks' JSON over 13,000 characters. */
export const defaultBlocksLimit: BlocksLimit = { measure: 'json', max: 13_000 };

/** Every `text` string in the blocks, added up. */
function textLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + textLength(v), 0);
  if (!value || typeof value !== 'object') return 0;
  return Object.entries(value).reduce(
    (sum, [k, v]) => sum + (k === 'text' && typeof v === 'string' ? v.length : textLength(v)),
    0,
  );
}

/** Whether Slack would refuse these message blocks with `msg_blocks_too_long`. */
export function blocksTooLong(blocks: unknown, limit: BlocksLimit = defaultBlocksLimit): boolean {
  const size = limit.measure === 'json' ? JSON.stringify(blocks).length : textLength(blocks);
  return size > limit.max;
}

/**
 * Why Slack would refuse a message's `text` and `blocks` (chat.postMessage, chat.update), as its error code, or
 * undefined when it would take it. Slack answers HTTP 200 `{ok:false, error}`; `msg_blocks_too_long` comes with
 * no detail (bolt-js#2509, #2867).
 */
export function messageRefusal(
  args: { text?: unknown; blocks?: unknown },
  limit: BlocksLimit = defaultBlocksLimit,
): { error: string; problems?: string[] } | undefined {
  if (typeof args.text !== 'string' || args.text.trim() === '') return { error: 'no_text' };
  if (args.text.length > 40_000) return { error: 'msg_too_long' };
  if (args.blocks === undefined) return undefined;
  const problems = blockKitProblems(args.blocks, 'message');
  if (problems.length > 0) return { error: 'invalid_blocks', problems };
  if (blocksTooLong(args.blocks, limit)) return { error: 'msg_blocks_too_long' };
  return undefined;
}

/** `plainOnly`: fields Slack accepts only as `plain_text` (headers, buttons, confirm titles, labels…). */
function checkText(problems: string[], obj: unknown, where: string, max: number, plainOnly = false): void {
  if (obj === undefined) return;
  const t = obj as { type?: string; text?: unknown };
  if ((t.type !== 'plain_text' && t.type !== 'mrkdwn') || typeof t.text !== 'string') {
    problems.push(`${where}: not a text object`);
    return;
  }
  if (plainOnly && t.type !== 'plain_text') problems.push(`${where}: must be plain_text`);
  if (t.text.length === 0) problems.push(`${where}: empty text`);
  if (t.text.length > max) problems.push(`${where}: text longer than ${max} (${t.text.length})`);
}

function checkId(problems: string[], value: unknown, where: string): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > 255)) {
    problems.push(`${where}: id must be 1-255 characters`);
  }
}

function checkButton(problems: string[], el: Record<string, unknown>, where: string): void {
  checkText(problems, el.text, `${where}.text`, 75, true);
  if (typeof el.value === 'string' && el.value.length > 2000)
    problems.push(`${where}.value longer than 2000`);
  if (el.url === '') problems.push(`${where}.url is empty`);
  if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger')
    problems.push(`${where}.style invalid`);
  const confirm = el.confirm as Record<string, unknown> | undefined;
  if (confirm) {
    checkText(problems, confirm.title, `${where}.confirm.title`, 100, true);
    checkText(problems, confirm.text, `${where}.confirm.text`, 300);
    checkText(problems, confirm.confirm, `${where}.confirm.confirm`, 30, true);
    checkText(problems, confirm.deny, `${where}.confirm.deny`, 30, true);
  }
}

function checkElement(problems: string[], el: Record<string, unknown>, where: string): void {
  checkId(problems, el.action_id, `${where}.action_id`);
  if (el.type === 'button') checkButton(problems, el, where);
  if (el.type === 'radio_buttons' || el.type === 'static_select') {
    for (const [k, option] of ((el.options as Array<{ text?: unknown }> | undefined) ?? []).entries())
      checkText(problems, option.text, `${where}.options[${k}].text`, 75, el.type === 'static_select');
  }
  if (el.type === 'plain_text_input') {
    const max = el.max_length as number | undefined;
    if (max !== undefined && (max < 1 || max > 3000)) problems.push(`${where}.max_length must be 1-3000`);
  }
}

/** Slack refuses a block_id used twice in one message or view, and an action_id used twice in one block. */
function checkUniqueIds(
  problems: string[],
  b: Record<string, unknown>,
  where: string,
  blockIds: Set<string>,
): void {
  checkId(problems, b.block_id, `${where}.block_id`);
  if (typeof b.block_id === 'string') {
    if (blockIds.has(b.block_id)) problems.push(`${where}.block_id ${b.block_id} used twice`);
    blockIds.add(b.block_id);
  }
  const actionIds = new Set<string>();
  for (const el of [
    ...((b.elements as Array<Record<string, unknown>> | undefined) ?? []),
    ...(b.accessory ? [b.accessory as Record<string, unknown>] : []),
    ...(b.element ? [b.element as Record<string, unknown>] : []),
  ]) {
    if (typeof el.action_id !== 'string') continue;
    if (actionIds.has(el.action_id)) problems.push(`${where}: action_id ${el.action_id} used twice`);
    actionIds.add(el.action_id);
  }
}

function checkSection(problems: string[], b: Record<string, unknown>, where: string): void {
  if (b.text === undefined && b.fields === undefined) problems.push(`${where}: section needs text or fields`);
  checkText(problems, b.text, `${where}.text`, 3000);
  const fields = b.fields as unknown[] | undefined;
  if (fields) {
    if (fields.length > 10) problems.push(`${where}.fields: more than 10`);
    for (const [j, f] of fields.entries()) checkText(problems, f, `${where}.fields[${j}]`, 2000);
  }
  if (b.accessory) checkElement(problems, b.accessory as Record<string, unknown>, `${where}.accessory`);
}

/** One block's own limits, by its type. */
function checkBlock(problems: string[], b: Record<string, unknown>, where: string): void {
  switch (b.type) {
    case 'header':
      checkText(problems, b.text, `${where}.text`, 150, true);
      break;
    case 'section':
      checkSection(problems, b, where);
      break;
    case 'actions': {
      const els = (b.elements as Record<string, unknown>[] | undefined) ?? [];
      if (els.length === 0 || els.length > 25) problems.push(`${where}.elements: 1-25 required`);
      for (const [j, el] of els.entries()) checkElement(problems, el, `${where}.elements[${j}]`);
      break;
    }
    case 'context': {
      const els = (b.elements as unknown[] | undefined) ?? [];
      if (els.length === 0 || els.length > 10) problems.push(`${where}.elements: 1-10 required`);
      for (const [j, el] of els.entries()) checkText(problems, el, `${where}.elements[${j}]`, 3000);
      break;
    }
    case 'divider':
    case 'rich_text':
      break;
    case 'input':
      checkText(problems, b.label, `${where}.label`, 2000, true);
      checkElement(problems, (b.element as Record<string, unknown>) ?? {}, `${where}.element`);
      break;
    default:
      problems.push(`${where}: unknown block type ${String(b.type)}`);
  }
}

/**
 * Block Kit limits Slack enforces (docs.slack.dev/reference/block-kit), checked by the stand-in so that a card
 * too big for Slack fails in tests the way it would in production (`invalid_blocks`). Returns the problems.
 * The total size is {@link blocksTooLong}'s (another error code).
 */
export function blockKitProblems(blocks: unknown, surface: 'message' | 'modal'): string[] {
  const problems: string[] = [];
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  const maxBlocks = surface === 'message' ? 50 : 100;
  if (blocks.length > maxBlocks) problems.push(`more than ${maxBlocks} blocks (${blocks.length})`);
  const blockIds = new Set<string>();
  blocks.forEach((raw, i) => {
    const b = raw as Record<string, unknown>;
    const where = `blocks[${i}]`;
    checkUniqueIds(problems, b, where, blockIds);
    checkBlock(problems, b, where);
  });
  return problems;
}

/** Modal-level limits (views.open / views.update). */
export function viewProblems(view: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const title = view.title as { type?: string; text?: string } | undefined;
  if (!title?.text || title.text.length > 24) problems.push('title must be 1-24 characters');
  if (title && title.type !== 'plain_text') problems.push('title must be plain_text');
  for (const key of ['submit', 'close'] as const) {
    const t = view[key] as { type?: string; text?: string } | undefined;
    if (t && (!t.text || t.text.length > 24)) problems.push(`${key} must be 1-24 characters`);
    if (t && t.type !== 'plain_text') problems.push(`${key} must be plain_text`);
  }
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000) {
    problems.push('private_metadata longer than 3000');
  }
  if (typeof view.callback_id === 'string' && view.callback_id.length > 255)
    problems.push('callback_id longer than 255');
  return [...problems, ...blockKitProblems(view.blocks, 'modal')];
}
