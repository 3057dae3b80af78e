/**
 * Block Kit limits Slack enforces (docs.slack.dev/reference/block-kit), checked by the stand-in so that a card
 * too big for Slack fails in tests the way it would in production (`invalid_blocks`). Returns the problems.
 */
export function blockKitProblems(blocks: unknown, surface: 'message' | 'modal'): string[] {
  const problems: string[] = [];
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  const maxBlocks = surface === 'message' ? 50 : 100;
  if (blocks.length > maxBlocks) problems.push(`more than ${maxBlocks} blocks (${blocks.length})`);
  // Undocumented but real: messages whose blocks exceed ~13k characters fail with msg_blocks_too_long.
  if (surface === 'message' && JSON.stringify(blocks).length > 13_000)
    problems.push('blocks longer than ~13000 characters');

  /** `plainOnly`: fields Slack accepts only as `plain_text` (headers, buttons, confirm titles, labels…). */
  const text = (obj: unknown, where: string, max: number, plainOnly = false) => {
    if (obj === undefined) return;
    const t = obj as { type?: string; text?: unknown };
    if ((t.type !== 'plain_text' && t.type !== 'mrkdwn') || typeof t.text !== 'string') {
      problems.push(`${where}: not a text object`);
      return;
    }
    if (plainOnly && t.type !== 'plain_text') problems.push(`${where}: must be plain_text`);
    if (t.text.length === 0) problems.push(`${where}: empty text`);
    if (t.text.length > max) problems.push(`${where}: text longer than ${max} (${t.text.length})`);
  };
  const id = (value: unknown, where: string) => {
    if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > 255)) {
      problems.push(`${where}: id must be 1-255 characters`);
    }
  };
  const element = (el: Record<string, unknown>, where: string) => {
    id(el.action_id, `${where}.action_id`);
    if (el.type === 'button') {
      text(el.text, `${where}.text`, 75, true);
      if (typeof el.value === 'string' && el.value.length > 2000)
        problems.push(`${where}.value longer than 2000`);
      if (el.url === '') problems.push(`${where}.url is empty`);
      if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger')
        problems.push(`${where}.style invalid`);
      const confirm = el.confirm as Record<string, unknown> | undefined;
      if (confirm) {
        text(confirm.title, `${where}.confirm.title`, 100, true);
        text(confirm.text, `${where}.confirm.text`, 300);
        text(confirm.confirm, `${where}.confirm.confirm`, 30, true);
        text(confirm.deny, `${where}.confirm.deny`, 30, true);
      }
    }
    if (el.type === 'radio_buttons' || el.type === 'static_select') {
      for (const [k, option] of ((el.options as Array<{ text?: unknown }> | undefined) ?? []).entries())
        text(option.text, `${where}.options[${k}].text`, 75, el.type === 'static_select');
    }
    if (el.type === 'plain_text_input') {
      const max = el.max_length as number | undefined;
      if (max !== undefined && (max < 1 || max > 3000)) problems.push(`${where}.max_length must be 1-3000`);
    }
  };

  // Slack refuses a block_id used twice in one message or view, and an action_id used twice in one block.
  const blockIds = new Set<string>();
  blocks.forEach((raw, i) => {
    const b = raw as Record<string, unknown>;
    const where = `blocks[${i}]`;
    id(b.block_id, `${where}.block_id`);
    if (typeof b.block_id === 'string') {
      if (blockIds.has(b.block_id)) problems.push(`${where}.block_id ${b.block_id} used twice`);
      blockIds.add(b.block_id);
    }
    const actionIds = new Set<string>();
    for (const el of [
      ...(((b.elements as Array<Record<string, unknown>> | undefined) ?? []) as Array<
        Record<string, unknown>
      >),
      ...(b.accessory ? [b.accessory as Record<string, unknown>] : []),
      ...(b.element ? [b.element as Record<string, unknown>] : []),
    ]) {
      if (typeof el.action_id !== 'string') continue;
      if (actionIds.has(el.action_id)) problems.push(`${where}: action_id ${el.action_id} used twice`);
      actionIds.add(el.action_id);
    }
    switch (b.type) {
      case 'header':
        text(b.text, `${where}.text`, 150, true);
        break;
      case 'section': {
        if (b.text === undefined && b.fields === undefined)
          problems.push(`${where}: section needs text or fields`);
        text(b.text, `${where}.text`, 3000);
        const fields = b.fields as unknown[] | undefined;
        if (fields) {
          if (fields.length > 10) problems.push(`${where}.fields: more than 10`);
          for (const [j, f] of fields.entries()) text(f, `${where}.fields[${j}]`, 2000);
        }
        if (b.accessory) element(b.accessory as Record<string, unknown>, `${where}.accessory`);
        break;
      }
      case 'actions': {
        const els = (b.elements as Record<string, unknown>[] | undefined) ?? [];
        if (els.length === 0 || els.length > 25) problems.push(`${where}.elements: 1-25 required`);
        for (const [j, el] of els.entries()) element(el, `${where}.elements[${j}]`);
        break;
      }
      case 'context': {
        const els = (b.elements as unknown[] | undefined) ?? [];
        if (els.length === 0 || els.length > 10) problems.push(`${where}.elements: 1-10 required`);
        for (const [j, el] of els.entries()) text(el, `${where}.elements[${j}]`, 3000);
        break;
      }
      case 'divider':
        break;
      case 'input':
        text(b.label, `${where}.label`, 2000, true);
        element((b.element as Record<string, unknown>) ?? {}, `${where}.element`);
        break;
      case 'rich_text':
        break;
      default:
        problems.push(`${where}: unknown block type ${String(b.type)}`);
    }
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
