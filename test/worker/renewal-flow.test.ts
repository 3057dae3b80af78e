import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppHarness,
  approverId,
  blocksText,
  channelId,
  openCard,
  startAppHarness,
} from '../support/app-harness.ts';
import { buildOrder } from '../support/cas.ts';

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Opens a card for a fresh order, approves it, and returns what is needed to follow the thread. */
async function approveNewOrder(
  options: Parameters<typeof startAppHarness>[0] & { order?: Parameters<typeof buildOrder>[0] },
) {
  const order = buildOrder({ domain: 'shop.example.com', ...options.order });
  h = await startAppHarness({ worker: {}, ...options, seed: { orders: [order], ...options.seed } });
  const card = await openCard(h, String(order.orderId));
  await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
  return { order, ts: card.ts, recordId: card.recordId as string, harness: h };
}

async function finalMessage(harness: AppHarness, ts: string, pattern: RegExp, timeoutMs = 15_000) {
  await harness.slack.waitForCall(
    (c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts && pattern.test(String(c.args.text)),
    timeoutMs,
  );
  return harness.slack.thread(channelId, ts).map((m) => m.text);
}

describe('a renewal from approval to issued', () => {
  it('with DNS validation: every step in the thread, instructions once, the final message names the new order', async () => {
    const { order, ts, recordId, harness } = await approveNewOrder({
      seed: {
        renewScript: [
          { type: 'payed', polls: 2 },
          { type: 'domain_verify', validation: 'DNS', polls: 3 },
          { type: 'process', polls: 2 },
          { type: 'certificate' },
        ],
      },
    });

    const thread = await finalMessage(harness, ts, /Renewal issued/);

    const newOrderId = harness.cas.sim.calls.find((c) => c.action === 'DescribeCertificateState')?.params
      .OrderId as string;
    expect(thread).toEqual([
      expect.stringMatching(/^:inbox_tray: Approved by/),
      `:arrows_counterclockwise: Renewing order \`${order.orderId}\` in CAS…`,
      `:arrows_counterclockwise: CAS accepted the renewal: new order \`${newOrderId}\`, pending application. I will follow it here.`,
      expect.stringContaining('is pending application in CAS'),
      [
        ':mag: *Domain validation needed* for shop.example.com: add this DNS record.',
        '• Name: `_dnsauth.shop.example.com`',
        '• Type: `TXT`',
        `• Value: \`2024sim${newOrderId}auth\``,
        'CAS checks it automatically; I will post here when it moves on.',
      ].join('\n'),
      `:mag: Domain validated; the CA is reviewing new order \`${newOrderId}\`.`,
      expect.stringMatching(
        new RegExp(
          `^:white_check_mark: Renewal issued: new order \`${newOrderId}\`\\.\\n• Subject: \`CN=shop\\.example\\.com\`\\n• SANs: \`shop\\.example\\.com\`\\n• Not after: .+\\n• Serial: \`[0-9A-F]+\`\\n• SHA-256: \`([0-9A-F]{2}:){31}[0-9A-F]{2}\`\\nCAS generated the key pair`,
        ),
      ),
    ]);
    expect(harness.cas.sim.renewCount()).toBe(1);
    const finalCard = await harness.slack.waitForCall(
      (c) => c.method === 'chat.update' && blocksText(c.args.blocks).includes('Issued'),
    );
    expect(blocksText(finalCard.args.blocks)).toContain(`Issued (new order \`${newOrderId}\`)`);
    // Every card update renders the record as it is when delivered: an older state never comes back last.
    const updates = harness.slack.okCalls('chat.update').filter((c) => c.args.ts === ts);
    expect(updates.at(-1)).toBe(finalCard);
    expect(
      updates.map((u) => blocksText(u.args.blocks).includes('queued for renewal')).lastIndexOf(true),
    ).toBeLessThan(updates.length - 1);
    const record = await harness.app.redis.hgetall(`${harness.prefix}:renewal:${recordId}`);
    expect(record).toMatchObject({ state: 'issued', newOrderId, casState: 'certificate' });
    expect(await harness.app.redis.exists(`${harness.prefix}:order-open:${order.orderId}`)).toBe(0);
  });
});

describe('validation and CSR variants', () => {
  it('with FILE validation: posts the URL and content', async () => {
    const { ts, harness } = await approveNewOrder({
      order: { renewScript: [{ type: 'domain_verify', validation: 'FILE' }, { type: 'certificate' }] },
    });

    const thread = await finalMessage(harness, ts, /Renewal issued/);

    const newOrderId = harness.cas.sim.calls.find((c) => c.action === 'DescribeCertificateState')?.params
      .OrderId;
    expect(thread).toContainEqual(
      [
        ':mag: *Domain validation needed* for shop.example.com: serve this file over HTTP(S).',
        '• URL: `http://shop.example.com/.well-known/pki-validation/fileauth.txt`',
        `• Content: \`sim-file-auth-${newOrderId}\``,
        'CAS checks it automatically; I will post here when it moves on.',
      ].join('\n'),
    );
  });

  it('with a CSR: sends it to CAS and says the certificate is for that CSR', async () => {
    const { makeCsr } = await import('../support/csr.ts');
    const order = buildOrder({ domain: 'api.example.com', renewScript: [{ type: 'certificate' }] });
    h = await startAppHarness({ worker: {}, seed: { orders: [order] } });
    const csr = await makeCsr({ commonName: 'api.example.com' });
    const card = await openCard(h, String(order.orderId), undefined, csr);
    await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });

    const thread = await finalMessage(h, card.ts, /Renewal issued/);

    expect(
      h.cas.sim.calls.find((c) => c.action === 'RenewCertificateOrderForPackageRequest')?.params.Csr,
    ).toBe(csr.trim());
    expect(thread.at(-1)).toContain('It was issued for your CSR');
  });
});

describe('faults around the paid call', () => {
  it('throttling: retried later, nothing spent until CAS takes it, exactly one renewal', async () => {
    const { ts, harness } = await approveNewOrder({ order: { renewScript: [{ type: 'certificate' }] } });
    harness.cas.sim.faults.add({
      action: 'RenewCertificateOrderForPackageRequest',
      fault: { kind: 'throttle' },
      times: 2,
    });

    const thread = await finalMessage(harness, ts, /Renewal issued/);

    expect(thread.filter((t) => t.includes('nothing was spent'))).toHaveLength(2);
    expect(
      harness.cas.sim.calls
        .filter((c) => c.action === 'RenewCertificateOrderForPackageRequest')
        .map((c) => c.outcome),
    ).toEqual(['Throttling.User', 'Throttling.User', undefined]);
    expect(harness.cas.sim.renewCount()).toBe(1);
  });

  it.each([
    ['renewed, but the response never arrives', { kind: 'lost-response' as const }],
    ['renewed, then a 500 InternalError', { kind: 'error-after-acting' as const }],
  ])('%s: finds the new order in CAS instead of renewing again', async (_label, fault) => {
    const { ts, harness } = await approveNewOrder({ order: { renewScript: [{ type: 'certificate' }] } });
    harness.cas.sim.faults.add({ action: 'RenewCertificateOrderForPackageRequest', fault });

    const thread = await finalMessage(harness, ts, /Renewal issued/);

    expect(thread).toContainEqual(expect.stringContaining('CAS did not confirm the renewal'));
    expect(thread).toContainEqual(expect.stringMatching(/but it did renew: found new order/));
    expect(
      harness.cas.sim.calls.filter((c) => c.action === 'RenewCertificateOrderForPackageRequest'),
    ).toHaveLength(1);
    expect(harness.cas.sim.renewCount()).toBe(1);
  });

  it('a 503 before acting: no new order appears, so a person is asked to check (never a second renew)', async () => {
    const { ts, recordId, harness } = await approveNewOrder({});
    harness.cas.sim.faults.add({
      action: 'RenewCertificateOrderForPackageRequest',
      fault: { kind: 'server-error' },
    });

    const thread = await finalMessage(harness, ts, /Needs attention/);

    expect(thread.at(-1)).toMatch(
      /no new order for shop\.example\.com appeared since then \(checked 3 times\)\. Check the CAS console/,
    );
    expect(
      harness.cas.sim.calls.filter((c) => c.action === 'RenewCertificateOrderForPackageRequest'),
    ).toHaveLength(1);
    expect(harness.cas.sim.renewCount()).toBe(0);
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${recordId}`, 'state')).toBe(
      'needs_attention',
    );
  });

  it('a definitive refusal fails at once with the CAS code and message in the thread', async () => {
    const { ts, recordId, harness } = await approveNewOrder({
      seed: { packages: [{ productCode: 'digicert-dv-1-plan', totalCount: 1, usedCount: 1 }] },
    });

    const thread = await finalMessage(harness, ts, /Renewal failed/);

    expect(thread.at(-1)).toMatch(
      /^:x: Renewal failed: CAS refused to renew order `\d+`: `InsufficientQuota` The plan digicert-dv-1-plan has no certificates left/,
    );
    expect(await harness.app.redis.hget(`${harness.prefix}:renewal:${recordId}`, 'state')).toBe('failed');
  });
});

describe('endings while polling', () => {
  it('verify_fail: failed, with the guidance', async () => {
    const { ts, harness } = await approveNewOrder({
      order: { renewScript: [{ type: 'process' }, { type: 'verify_fail' }] },
    });

    const thread = await finalMessage(harness, ts, /Renewal failed/);

    expect(thread.at(-1)).toContain('the CA review of new order');
    expect(thread.at(-1)).toContain('delete the failed application there');
  });

  it('unknow, again and again: needs attention', async () => {
    const { ts, harness } = await approveNewOrder({ order: { renewScript: [{ type: 'unknow' }] } });

    const thread = await finalMessage(harness, ts, /Needs attention/);

    expect(thread.at(-1)).toContain('as unknown (`unknow`) 6 times in a row');
  });

  it('unknow once, then issued: carries on', async () => {
    const { ts, harness } = await approveNewOrder({
      order: { renewScript: [{ type: 'unknow', polls: 2 }, { type: 'certificate' }] },
    });

    const thread = await finalMessage(harness, ts, /Renewal issued/);

    expect(thread.some((t) => t.includes('Needs attention'))).toBe(false);
  });

  it('an undocumented state: needs attention with the raw value', async () => {
    const { ts, harness } = await approveNewOrder({ order: { renewScript: [{ type: 'weird' }] } });

    const thread = await finalMessage(harness, ts, /Needs attention/);

    expect(thread.at(-1)).toContain('undocumented state `brand_new_state`');
  });

  it('past the deadline: says the renewal is stalled and what to check', async () => {
    const { ts, harness } = await approveNewOrder({
      order: { renewScript: [{ type: 'payed' }] },
      worker: { pollMinMs: 50, pollMaxMs: 50, deadlineMs: 2_000 },
    });

    const thread = await finalMessage(harness, ts, /Needs attention/);

    expect(thread.at(-1)).toMatch(
      /renewal stalled: new order `\d+` is still `payed` after 0 days\. Check the order in the CAS console/,
    );
    expect(thread.filter((t) => t.includes('pending application in CAS'))).toHaveLength(1);
  });
});

describe('Slack in the middle of a renewal', () => {
  it('a 429 delays the job by Retry-After; every message still arrives, in order', async () => {
    const { ts, harness } = await approveNewOrder({
      order: { renewScript: [{ type: 'domain_verify' }, { type: 'certificate' }] },
    });
    harness.slack.addFault({ method: 'chat.postMessage', retryAfter: 1, when: { thread_ts: ts } });

    const thread = await finalMessage(harness, ts, /Renewal issued/);

    const rateLimited = harness.slack.calls.filter((c) => c.status === 429);
    expect(rateLimited).toHaveLength(1);
    expect(
      harness.slack.calls.filter(
        (c) =>
          c.method === 'chat.postMessage' &&
          c.args.thread_ts === ts &&
          c.status === 429 &&
          c.response.error === 'ratelimited',
      ),
    ).toHaveLength(1);
    expect(thread.map((t) => t.split(' ')[0])).toEqual([
      ':inbox_tray:',
      ':arrows_counterclockwise:',
      ':arrows_counterclockwise:',
      ':mag:',
      ':white_check_mark:',
    ]);
  });
});

describe('secrets', () => {
  it('the private key CAS returns is never posted, logged, stored in Redis or in job data', async () => {
    const { ts, harness } = await approveNewOrder({ order: { renewScript: [{ type: 'certificate' }] } });
    await finalMessage(harness, ts, /Renewal issued/);
    const issued = [...harness.cas.sim.store.orders.values()].find((o) => o.issued)?.issued;
    expect(issued?.privateKeyPem).toContain('PRIVATE KEY');
    const keyBody = (issued?.privateKeyPem ?? '').split('\n')[1] as string;

    const keys = await harness.app.redis.keys(`${harness.prefix}*`);
    const dump: string[] = [];
    for (const key of keys) {
      const type = await harness.app.redis.type(key);
      if (type === 'hash') dump.push(JSON.stringify(await harness.app.redis.hgetall(key)));
      else if (type === 'list') dump.push(JSON.stringify(await harness.app.redis.lrange(key, 0, -1)));
      else if (type === 'string') dump.push(String(await harness.app.redis.get(key)));
      else if (type === 'zset') dump.push(JSON.stringify(await harness.app.redis.zrange(key, '0', '-1')));
      else if (type === 'stream') dump.push(JSON.stringify(await harness.app.redis.xrange(key, '-', '+')));
    }

    expect(keyBody.length).toBeGreaterThan(20);
    for (const haystack of [JSON.stringify(harness.slack.calls), harness.logs.join('\n'), dump.join('\n')]) {
      expect(haystack).not.toContain(keyBody);
      expect(haystack).not.toContain('PRIVATE KEY');
    }
  });
});

describe('the sweeper', () => {
  it('re-enqueues an approved request whose job was lost, and it completes', async () => {
    const lost = buildOrder({ renewScript: [{ type: 'certificate' }] });
    h = await startAppHarness({ worker: {}, seed: { orders: [lost] } });
    const card = await openCard(h, String(lost.orderId));
    // As if the app died between approving and enqueueing: approved in Redis, no job anywhere.
    await h.app.redis
      .multi()
      .hset(`${h.prefix}:renewal:${card.recordId}`, 'state', 'approved')
      .zadd(`${h.prefix}:active`, 1, card.recordId as string)
      .exec();

    const requeued = await h.worker?.sweep();
    const thread = await finalMessage(h, card.ts, /Renewal issued/);

    expect(requeued).toBe(1);
    expect(thread.at(-1)).toContain('Renewal issued');
    expect(h.cas.sim.renewCount()).toBe(1);
  });
});
