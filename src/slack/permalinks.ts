import type { WebClient } from '@slack/web-api';
import type { RenewalRecord } from '../renewals/record.ts';
import { threadLink } from './links.ts';

/**
 * Links to a request's thread as Slack gives them (`chat.getPermalink`: the right workspace domain, Enterprise
 * Grid included), cached; a hand-built link when Slack cannot say.
 */
export function createPermalinks(client: WebClient, max = 1_000) {
  const cache = new Map<string, string>();
  return async function permalink(record: Pick<RenewalRecord, 'channelId' | 'messageTs'>): Promise<string> {
    if (!record.messageTs) return threadLink(record);
    const key = `${record.channelId}/${record.messageTs}`;
    const known = cache.get(key);
    if (known) return known;
    const link = await client.chat
      .getPermalink({ channel: record.channelId, message_ts: record.messageTs })
      .then((r) => r.permalink ?? threadLink(record))
      .catch(() => threadLink(record));
    if (cache.size >= max) cache.delete(cache.keys().next().value as string);
    cache.set(key, link);
    return link;
  };
}

/** Looks up a thread's permalink. */
export type Permalinks = ReturnType<typeof createPermalinks>;
