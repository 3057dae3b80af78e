/** Escapes text for Slack mrkdwn (`&`, `<`, `>`), so that CAS or user text cannot inject mentions or links. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Slack date token that each reader sees in their own time zone, with an ISO fallback. */
export function slackDate(ms: number, format = '{date_short_pretty} {time}'): string {
  const iso = new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
  return `<!date^${Math.floor(ms / 1000)}^${format}|${iso} UTC>`;
}

/** Whole days from `now` to `end`, rounded down (negative once past). */
export function daysLeft(end: number, now: number): number {
  return Math.floor((end - now) / 86_400_000);
}

/** `<@U…>` mention. */
export function mention(userId: string): string {
  return `<@${userId}>`;
}

/**
 * Shortens mrkdwn that is already escaped to at most `max` characters without cutting an entity (`&amp;`) or a
 * token (`<@U…>`, `<!date^…>`) in half: the cut moves back before either, and an ellipsis marks it.
 */
export function clipMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  const openToken = cut.lastIndexOf('<');
  if (openToken > cut.lastIndexOf('>')) cut = cut.slice(0, openToken);
  cut = cut.replace(/&[a-z]*$/, '');
  return `${cut}…`;
}

/** Inline code of a value from outside: escaped once here, backticks replaced so the span cannot be closed. */
export const code = (text: string) => `\`${escapeMrkdwn(text.replace(/`/g, "'"))}\``;
