import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { approverId } from '../support/app-harness.ts';
import { deploymentTests, threadUntil } from '../support/deployment.ts';

const { upToDeployCard } = deploymentTests();
/** Every value stored under `prefix`, read by type (a DUMP may compress a long string and hide it). */
async function everyValue(redis: Redis, prefix: string): Promise<string> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) out.push(key, JSON.stringify(await readValue(redis, key)));
  } while (cursor !== '0');
  return out.join('\n');
}

async function readValue(redis: Redis, key: string): Promise<unknown> {
  switch (await redis.type(key)) {
    case 'string':
      return redis.get(key);
    case 'hash':
      return redis.hgetall(key);
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'set':
      return redis.smembers(key);
    case 'zset':
      return redis.zrange(key, '0', '-1');
    case 'stream':
      return redis.xrange(key, '-', '+');
    default:
      return undefined;
  }
}

/** The base64 body of a PEM private key: what must never be copied anywhere. */
const keyBody = (pem: string) => pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));

describe('the private key in a GetUserCertificateDetail answer', () => {
  it('reaches no log line, job data, Redis value or Slack call through a whole deployment', async () => {
    const { card, harness, deployTs, deployValue } = await upToDeployCard({
      resources: [{ id: '601', cloudProduct: 'CDN', domain: 'shop.example.com', regionId: 'cn-hangzhou' }],
    });
    await harness.click('cert_deploy', { user: approverId, messageTs: deployTs, value: deployValue });
    await threadUntil(harness, card.ts, /Serving the new certificate on 1 of 1/);

    const sim = harness.cas.sim;
    const unfiltered = sim.calls.filter(
      (c) => c.action === 'GetUserCertificateDetail' && c.params.CertFilter !== 'true' && !c.outcome,
    );
    const keys = await Promise.all(unfiltered.map((c) => sim.store.servable(c.params.CertId ?? '')));
    const keyLines = keys.flatMap((k) => (k ? keyBody(k.privateKeyPem) : []));
    // The simulator did answer with a private key (`Key`), so the assertions below can fail.
    expect(keyLines.join('').length).toBeGreaterThan(100);
    const places = {
      logs: harness.logs.join('\n'),
      redis: await everyValue(harness.app.redis, harness.prefix),
      slack: JSON.stringify([harness.slack.calls, harness.slack.responses]),
    };
    for (const [place, text] of Object.entries(places)) {
      expect(text.length, place).toBeGreaterThan(0);
      expect(
        keyLines.filter((line) => text.includes(line)),
        place,
      ).toEqual([]);
      expect(text, place).not.toContain('PRIVATE KEY');
    }
  });
});
