import { Pool } from 'undici';
import { createSlackStandIn } from '../src/slack-standin/server.ts';
import { startCasSim } from '../test/support/cas.ts';
import { slashCommandBody, testBotToken } from '../test/support/slack-payloads.ts';
import { botEnv } from './bot-env.ts';
import { postSigned } from './slack-post.ts';
import { spawnSubject } from './spawn-subject.ts';
import { deletePrefix, round } from './stats.ts';

/**
 * A burst of `n` concurrent `/cert renew` (Renew clicked on a long alert digest) against the app role, with the
 * simulator enforcing CAS's 10 ListUserCertificateOrder calls a second: how many approval cards are posted within
 * 10 s, how long until all are, and whether CAS throttled anything.
 */
export async function benchBurstCards(redisUrl: string, n = 100, accountOrders = 1_000) {
  // The account holds `accountOrders` expiring orders; the burst asks for `n` of them.
  const all = Array.from({ length: accountOrders }, (_, i) => ({
    orderId: String(600_000_000 + i),
    domain: `burst${i}.example.com`,
    status: 'WILLEXPIRED' as const,
  }));
  const orders = all.slice(0, n);
  const cas = await startCasSim({ orders: all });
  const slack = createSlackStandIn({ botToken: testBotToken });
  await slack.listen();
  const prefix = `bench-burst-${Date.now()}`;
  const app = await spawnSubject(
    'app',
    botEnv({ slackApiUrl: slack.apiUrl, casUrl: cas.url, redisUrl, prefix }),
  );
  const cardTimes: number[] = [];
  let started = 0;
  let allPosted: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    allPosted = resolve;
  });
  const stop = slack.onCall((c) => {
    if (
      c.method === 'chat.postMessage' &&
      c.response.ok === true &&
      String(c.args.text).startsWith('Certificate renewal request')
    ) {
      cardTimes.push(performance.now() - started);
      if (cardTimes.length === n) allPosted();
    }
  });
  const pool = new Pool(app.url, { connections: n });
  started = performance.now();
  await Promise.all(
    orders.map(async (o) => {
      const body = slashCommandBody({ text: `renew ${o.orderId}`, response_url: slack.responseUrl('bench') });
      await postSigned(pool, body);
    }),
  );
  await Promise.race([done, new Promise((r) => setTimeout(r, 60_000))]);
  stop();
  await pool.close();
  await app.stop();
  await slack.close();
  await cas.close();
  await deletePrefix(redisUrl, prefix);
  return {
    name: `${n} concurrent /cert renew, ${accountOrders} expiring orders in the account`,
    cardsWithin10s: cardTimes.filter((t) => t <= 10_000).length,
    allCardsSeconds: cardTimes.length === n ? round(Math.max(...cardTimes) / 1000, 1) : null,
    throttled: cas.sim.calls.filter((c) => c.outcome?.startsWith('Throttling')).length,
    listCalls: cas.sim.calls.filter((c) => c.action === 'ListUserCertificateOrder').length,
  };
}
