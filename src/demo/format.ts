/** Names the demo gives its Slack users and channels. */
export const demoNames: Record<string, string> = {
  U0REQUESTER: 'alice',
  U0APPROVER: 'bob',
  C0CERTS: 'certs',
  C0ALERTS: 'cert-alerts',
};

/** Slack mrkdwn as a person reads it in a terminal: dates, mentions and channels resolved, entities decoded. */
export function mrkdwnToText(text: string): string {
  return text
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<@(\w+)>/g, (_m, id: string) => `@${demoNames[id] ?? id}`)
    .replace(/<#(\w+)(\|[^>]*)?>/g, (_m, id: string) => `#${demoNames[id] ?? id}`)
    .replace(/<!subteam\^(\w+)>/g, '@$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

interface Block {
  type: string;
  text?: { text: string };
  fields?: Array<{ text: string }>;
  elements?: Array<{ type?: string; text?: string | { text: string } }>;
}

/** A Block Kit message as lines of text, buttons shown as [Label]. */
export function blocksToLines(blocks: unknown): string[] {
  const lines: string[] = [];
  for (const block of (blocks as Block[] | undefined) ?? []) {
    if (block.type === 'header' && block.text) lines.push(`== ${block.text.text} ==`);
    if (block.type === 'section') {
      if (block.text) lines.push(...mrkdwnToText(block.text.text).split('\n'));
      if (block.fields)
        lines.push(block.fields.map((f) => mrkdwnToText(f.text).replace('\n', ': ')).join(' | '));
    }
    if (block.type === 'context') {
      lines.push(
        ...(block.elements ?? []).map((e) =>
          mrkdwnToText(typeof e.text === 'string' ? e.text : (e.text?.text ?? '')),
        ),
      );
    }
    if (block.type === 'actions') {
      lines.push(
        (block.elements ?? [])
          .map((e) => `[${typeof e.text === 'string' ? e.text : (e.text?.text ?? '')}]`)
          .join(' '),
      );
    }
  }
  return lines;
}

/** Indents every line of `text` by `prefix`. */
export function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => `${prefix}${l}`)
    .join('\n');
}
