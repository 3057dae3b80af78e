import { WebClient } from '@slack/web-api';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeployResult, TlsResult } from '../../src/renewals/deployment.ts';
import { deployStates } from '../../src/renewals/deployment-record.ts';
import { renewalStates } from '../../src/renewals/record.ts';
import type { ThreadEvent } from '../../src/renewals/thread-events.ts';
import { renderApprovalCard } from '../../src/slack/approval-card.ts';
import { renderDeployCard } from '../../src/slack/deploy-card.ts';
import { renderThreadEvent } from '../../src/slack/thread-messages.ts';
import {
  type BlocksLimit,
  defaultBlocksLimit,
  messageRefusal,
} from '../../src/slack-standin/block-kit-limits.ts';
import { createSlackStandIn } from '../../src/slack-standin/server.ts';
import { deployRecord } from '../support/deploy-record.ts';
import { testBotToken } from '../support/slack-payloads.ts';

/** Both ways Slack may count a message's blocks (the stand-in can do either; reports disagree). */
const measures: BlocksLimit[] = [
  { measure: 'json', max: 13_000 },
  { measure: 'text', max: 9_600 },
];

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function standIn(blocksLimit: BlocksLimit) {
  const slack = createSlackStandIn({ botToken: testBotToken, blocksLimit });
  await slack.listen();
  closers.push(() => slack.close());
  const client = new WebClient(testBotToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  return { slack, client };
}

const long = (n: number, what = 'x') => what.repeat(Math.ceil(n / what.length)).slice(0, n);

/** A failed resource whose CAS-reported names are as long as they get. */
const failedResult = (i: number): DeployResult => ({
  workerId: String(1000 + i),
  resourceId: String(500 + i),
  product: 'CDN',
  domain: `very-long-subdomain-name-${i}.${long(60, 'shop.')}example.com`,
  region: 'cn-hangzhou',
  status: 'error',
  certDomain: long(800, '*.shop-<!channel>-&-example.com,'),
});

describe('messages within Slack limits', () => {
  it('chat.update without blocks keeps the blocks, as Slack does; an empty array removes them', async () => {
    const { slack, client } = await standIn(defaultBlocksLimit);
    const blocks = [{ type: 'section', block_id: 'b1', text: { type: 'mrkdwn', text: 'card' } }];
    const posted = await client.chat.postMessage({ channel: 'C0CERTS', text: 'card', blocks });

    await client.chat.update({ channel: 'C0CERTS', ts: posted.ts as string, text: 'text only' });
    const kept = slack.message('C0CERTS', posted.ts as string)?.blocks;
    await client.chat.update({ channel: 'C0CERTS', ts: posted.ts as string, text: 'none', blocks: [] });

    expect(kept).toEqual(blocks);
    expect(slack.message('C0CERTS', posted.ts as string)?.blocks).toEqual([]);
  });

  it.each(measures)(
    'a deployment card with 20 failed resources and long CAS text is accepted (%o)',
    async (limit) => {
      const { slack, client } = await standIn(limit);
      const { request, deployment } = deployRecord(Array.from({ length: 20 }, (_, i) => failedResult(i)));

      const card = renderDeployCard(request, deployment);
      const posted = await client.chat.postMessage({ channel: 'C0CERTS', ...card });

      expect(posted.ok).toBe(true);
      expect(slack.message('C0CERTS', posted.ts as string)?.blocks).toEqual(card.blocks);
      // What does not fit is counted, and failed resources keep their Roll back.
      const shown = card.blocks.filter((b) => b.block_id?.startsWith('result_'));
      const more = /…and (\d+) more resources/.exec(JSON.stringify(card.blocks));
      expect(shown.length + Number(more?.[1])).toBe(20);
      expect(shown.every((b) => JSON.stringify(b).includes('cert_rollback'))).toBe(true);
      expect(JSON.stringify(card.blocks)).not.toContain('<!channel>');
    },
  );

  it.each(measures)(
    'the stand-in refuses blocks past the total as Slack does: HTTP 200, msg_blocks_too_long (%o)',
    async (limit) => {
      const { slack, client } = await standIn(limit);
      // 60 sections of 2,900 characters: each within its own limit, the message far past the total.
      const blocks = Array.from({ length: 45 }, (_, i) => ({
        type: 'section' as const,
        block_id: `b${i}`,
        text: { type: 'mrkdwn' as const, text: long(2_900) },
      }));

      await expect(
        client.chat.postMessage({ channel: 'C0CERTS', text: 'big', blocks }),
      ).rejects.toMatchObject({
        code: 'slack_webapi_platform_error',
        data: { ok: false, error: 'msg_blocks_too_long' },
      });
      expect(slack.calls.at(-1)).toMatchObject({
        status: 200,
        response: { ok: false, error: 'msg_blocks_too_long' },
      });
    },
  );
});

const text = (max: number) => fc.string({ unit: 'grapheme', maxLength: max });
const bigText = fc.oneof(text(40), text(6_000), fc.constantFrom('<!channel> & `x`', long(5_000, '&<>')));

const resultArb: fc.Arbitrary<DeployResult> = fc.record({
  workerId: fc.stringMatching(/^[0-9]{1,12}$/),
  resourceId: fc.stringMatching(/^[0-9]{1,12}$/),
  product: bigText,
  domain: fc.option(bigText, { nil: undefined }),
  region: fc.option(bigText, { nil: undefined }),
  status: fc.oneof(fc.constantFrom('success', 'error', 'rollback_error', 'rollback_success'), bigText),
  listenerPort: fc.option(fc.stringMatching(/^[0-9]{1,5}$/), { nil: undefined }),
  certDomain: fc.option(bigText, { nil: undefined }),
});
const tlsArb: fc.Arbitrary<TlsResult> = fc.record({
  domain: bigText,
  address: bigText,
  outcome: fc.constantFrom('new', 'old', 'other', 'unreachable'),
  sha256: fc.option(bigText, { nil: undefined }),
  error: fc.option(bigText, { nil: undefined }),
});
/** Distinct worker IDs (Slack refuses a block_id used twice). */
const resultsArb = fc.uniqueArray(resultArb, { maxLength: 120, selector: (r) => r.workerId });

const recordArb = fc
  .record({
    state: fc.constantFrom(...renewalStates),
    deployState: fc.constantFrom(...deployStates),
    domain: bigText,
    productName: bigText,
    reason: bigText,
    detail: bigText,
    cn: bigText,
    sans: fc.array(bigText, { maxLength: 30 }),
    contacts: fc.array(bigText, { minLength: 1, maxLength: 20 }),
    results: resultsArb,
    tls: fc.array(tlsArb, { maxLength: 60 }),
  })
  .map((r) => {
    const pair = deployRecord(r.results, {
      state: r.state,
      domain: r.domain,
      productName: r.productName,
      reason: r.reason,
      detail: r.detail,
      certEndTime: String(Date.now() + 86_400_000),
      quotaRemaining: '3',
      csrSummary: JSON.stringify({ commonName: r.cn, sans: r.sans, key: 'RSA 2048' }),
      application: JSON.stringify({
        domain: r.domain,
        validationMethod: 'DNS',
        keyAlgorithm: 'RSA_2048',
        contactIds: r.contacts.map((_, i) => String(i + 1)),
        contactNames: r.contacts,
      }),
      tlsResults: JSON.stringify(r.tls),
      jobId: r.detail,
    });
    return { ...pair, deployment: { ...pair.deployment, state: r.deployState } };
  });

/** What the stand-in would answer: nothing, when Slack takes the message. */
const refusals = (message: { text: string; blocks?: unknown }) =>
  measures.map((limit) => messageRefusal(message, limit)).filter(Boolean);

describe('every rendered message stays within the stand-in limits, whatever its input (property)', () => {
  it('approval and deployment cards', () => {
    fc.assert(
      fc.property(recordArb, (record) => {
        const { request, deployment } = record;
        expect(refusals(renderApprovalCard(request, Date.now()))).toEqual([]);
        expect(refusals(renderApprovalCard(request, Date.now(), deployment))).toEqual([]);
        expect(refusals(renderDeployCard(request, deployment))).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('thread messages with lists (deployment results, TLS results, resources, issued certificate)', () => {
    const eventArb: fc.Arbitrary<ThreadEvent> = fc.oneof(
      fc.record({ type: fc.constant('deploy_results' as const), jobId: bigText, results: resultsArb }),
      fc.record({
        type: fc.constant('tls_results' as const),
        results: fc.array(tlsArb, { maxLength: 200 }),
        final: fc.boolean(),
        nextAt: fc.constant(undefined),
      }),
      fc.record({ type: fc.constant('deploy_started' as const), jobId: bigText, resources: resultsArb }),
      fc.record({
        type: fc.constant('refused' as const),
        orderId: bigText,
        casCode: bigText,
        casMessage: bigText,
      }),
      fc.record({
        type: fc.constant('issued' as const),
        newOrderId: bigText,
        casGeneratedKey: fc.boolean(),
        certificate: fc.record({
          subject: bigText,
          sans: fc.array(bigText, { maxLength: 300 }),
          notAfter: fc.constant(Date.now()),
          serial: bigText,
          sha256: bigText,
        }),
      }),
    ) as fc.Arbitrary<ThreadEvent>;
    fc.assert(
      fc.property(eventArb, (event) => {
        const rendered = renderThreadEvent(event);
        expect(refusals({ text: rendered })).toEqual([]);
        expect(rendered.length).toBeLessThanOrEqual(4_000);
      }),
      { numRuns: 200 },
    );
  });
});
