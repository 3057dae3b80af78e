import { afterEach } from 'vitest';
import type { SeedResource } from '../../src/cas-sim/deployment-model.ts';
import type { SimSeed } from '../../src/cas-sim/seed.ts';
import type { AppQueues } from '../../src/jobs/queues.ts';
import {
  type AppHarness,
  approverId,
  blocksText,
  channelId,
  findButton,
  openCard,
  startAppHarness,
} from './app-harness.ts';
import { buildOrder } from './cas.ts';
import { startTlsEndpoints } from './tls-endpoints.ts';

/** A resource seeded to serve the renewed order's certificate. */
export type Resource = Omit<SeedResource, 'servesOrder'>;

/** What {@link upToDeployCard} started; stop both when done. */
export interface Started {
  harness: AppHarness;
  tls: Awaited<ReturnType<typeof startTlsEndpoints>>;
}

/** Renews an order whose certificate `resources` serve, up to the deployment card in the thread. */
export async function upToDeployCard(
  options: {
    resources: Resource[];
    stale?: string[];
    env?: Record<string, string>;
    deployApi?: SimSeed['deployApi'];
    appQueues?: (queues: AppQueues) => AppQueues;
  },
  started: (s: Partial<Started>) => void,
) {
  const order = buildOrder({
    domain: 'shop.example.com',
    renewScript: [{ type: 'payed' }, { type: 'certificate' }],
  });
  const domains = [...new Set(options.resources.map((r) => r.domain).filter((d) => !d.startsWith('*.')))];
  let h: AppHarness | undefined;
  const tls = await startTlsEndpoints(() => (h as AppHarness).cas.sim, domains, {
    stale: options.stale ?? [],
  });
  started({ tls });
  h = await startAppHarness({
    ...(options.appQueues ? { appQueues: options.appQueues } : {}),
    worker: {},
    env: { CERT_DEPLOY: 'ask', CERT_TLS_RESOLVE: tls.resolve, ...options.env },
    seed: {
      orders: [order],
      resources: options.resources.map((r) => ({ ...r, servesOrder: order.orderId })),
      ...(options.deployApi ? { deployApi: options.deployApi } : {}),
    },
  });
  started({ tls, harness: h });
  for (const d of options.stale ?? []) await tls.pin(d);
  const card = await openCard(h, String(order.orderId));
  await h.click('cert_approve', { user: approverId, messageTs: card.ts, value: card.value });
  const deployCard = await h.slack.waitForCall(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.args.thread_ts === card.ts &&
      findButton(c.args.blocks, 'cert_deploy') !== undefined,
    15_000,
  );
  // Clicks match the card once its poster stored where it is.
  await h.waitForLog((e) => e.msg === 'deployment card posted' && e.ts === deployCard.response.ts);
  return {
    order,
    card,
    harness: h,
    tls,
    deployTs: deployCard.response.ts as string,
    deployValue: findButton(deployCard.args.blocks, 'cert_deploy')?.value,
    deployText: blocksText(deployCard.args.blocks),
  };
}

/** The thread's texts once a message matching `pattern` was posted in it. */
export async function threadUntil(harness: AppHarness, ts: string, pattern: RegExp, timeoutMs = 20_000) {
  await harness.slack.waitForCall(
    (c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts && pattern.test(String(c.args.text)),
    timeoutMs,
  );
  return harness.slack.thread(channelId, ts).map((m) => m.text);
}

/** The latest version of the deployment card (posted or updated). */
export function latestDeployCard(harness: AppHarness, deployTs: string) {
  return harness.slack
    .okCalls('chat.update')
    .filter((c) => c.args.ts === deployTs)
    .at(-1);
}

/**
 * For a test file of the deployment step: stops what {@link upToDeployCard} (or `track`) started after each test.
 */
export function deploymentTests() {
  let started: Partial<Started> = {};
  afterEach(async () => {
    await started.harness?.stop();
    await started.tls?.close();
    started = {};
  });
  return {
    upToDeployCard: (options: Parameters<typeof upToDeployCard>[0]) =>
      upToDeployCard(options, (s) => {
        started = s;
      }),
    /** A harness started otherwise, stopped after the test too. */
    track(harness: AppHarness): AppHarness {
      started = { ...started, harness };
      return harness;
    },
  };
}
