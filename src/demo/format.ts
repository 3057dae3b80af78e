import type { SlackStandIn } from '../slack-standin/server.ts';

/** Names the demo gives its Slack users and channels. */
export const demoNames: Record<string, string> = {
  U0REQUESTER: 'alice',
  U0APPROVER: 'bob',
  C0SHOP: 'shop-certs',
  C0PAY: 'payments-certs',
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

/** Writes a line of the conversation. */
export const out = (line = '') => process.stdout.write(`${line}\n`);

/** Prints every message the bot sends through `slack`, as a person reads it; returns how to stop. */
export function printConversation(slack: Pick<SlackStandIn, 'onCall'>): () => void {
  const cards = new Set<string>();
  const deployCards = new Set<string>();
  return slack.onCall((call) => {
    if (call.response.ok !== true) return;
    const channel = `#${demoNames[String(call.args.channel)] ?? call.args.channel}`;
    if (call.method === 'chat.postMessage' && call.args.thread_ts === undefined) {
      if (/^Certificate (renewal|rotation) request/.test(String(call.args.text)))
        cards.add(String(call.response.ts));
      out(`\n${channel}  certbot:`);
      out(indent(blocksToLines(call.args.blocks).join('\n') || mrkdwnToText(String(call.args.text)), '  │ '));
    } else if (call.method === 'chat.postMessage' && call.args.blocks) {
      deployCards.add(String(call.response.ts));
      out('  ↳ thread  certbot:');
      out(indent(blocksToLines(call.args.blocks).join('\n'), '    │ '));
    } else if (call.method === 'chat.postMessage') {
      out(`  ↳ thread  certbot: ${indent(mrkdwnToText(String(call.args.text)), '    ').trimStart()}`);
    } else if (call.method === 'chat.update' && deployCards.has(String(call.args.ts))) {
      out(`  ✎ deployment card now says: ${blocksToLines(call.args.blocks).at(-1) ?? ''}`);
    } else if (call.method === 'chat.update' && cards.has(String(call.args.ts))) {
      out(`  ✎ card now says: ${blocksToLines(call.args.blocks).at(-1) ?? ''}`);
    }
  });
}
