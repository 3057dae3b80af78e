import { afterEach, describe, expect, it } from 'vitest';
import { cloudProducts, deployProductsOf } from '../../src/cas/cloud-products.ts';
import { createLogger } from '../../src/logging.ts';
import { createRenewalStore } from '../../src/renewals/store.ts';
import { createStepContext } from '../../src/worker/step-context.ts';
import { resourcesServing } from '../../src/worker/steps/deploy-targets.ts';
import { buildOrder, startCasSim } from '../support/cas.ts';
import { deleteKeysWithPrefix, testRedis, uniquePrefix } from '../support/redis.ts';
import { stepTimings } from '../support/step-timings.ts';

type Harness = Awaited<ReturnType<typeof startCasSim>>;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sim(seed: Parameters<typeof startCasSim>[0]): Promise<Harness> {
  const harness = await startCasSim(seed);
  cleanups.push(() => harness.close());
  return harness;
}

function context(harness: Harness) {
  const redis = testRedis();
  const prefix = uniquePrefix('deployapi');
  cleanups.push(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });
  return createStepContext({
    store: createRenewalStore({ redis, prefix }),
    cas: harness.client(),
    deliver: async () => ({ done: true }),
    logger: createLogger({ level: 'silent' }),
    now: Date.now,
    timings: stepTimings({}),
    deploy: {
      mode: 'ask',
      products: deployProductsOf('https://cas.aliyuncs.com'),
      tlsCheck: true,
      tlsResolve: new Map(),
      tlsAttempts: 1,
    },
  });
}

const order = buildOrder({ domain: 'shop.example.com' });
const resources = [
  { id: '601', cloudProduct: 'CDN' as const, domain: 'shop.example.com', servesOrder: order.orderId },
  { id: '602', cloudProduct: 'ALB' as const, domain: 'api.shop.example.com', servesOrder: order.orderId },
  // HTTPS off: no certificate bound, so never a target, whatever the CertIds filter does.
  { id: '603', cloudProduct: 'CDN' as const, domain: 'static.shop.example.com' },
  { id: '604', cloudProduct: 'WAF' as const, domain: 'other.example.com', certId: '5550002' },
];
const oldCertOf = (harness: Harness) =>
  harness.sim.store.get(String(order.orderId))?.instance.certificateId ?? '';

describe('finding where the old certificate is served', () => {
  it('one ListCloudResources call without CloudProduct (was one per product: 17 on the China site)', async () => {
    const harness = await sim({ orders: [order], resources });

    const found = await resourcesServing(context(harness), oldCertOf(harness), {});

    expect(found.map((r) => r.Id)).toEqual(['601', '602']);
    const calls = harness.sim.calls.filter((c) => c.action === 'ListCloudResources');
    expect(calls.map((c) => [c.params.CloudProduct, c.params.CertIds])).toEqual([
      [undefined, `[${oldCertOf(harness)}]`],
    ]);
    expect(deployProductsOf('https://cas.aliyuncs.com')).toHaveLength(17);
  });

  it('a site that insists on CloudProduct: one refused call, then one per product, same resources', async () => {
    const harness = await sim({
      orders: [order],
      resources,
      deployApi: { cloudProductRequired: true, listJobKeyword: 'ignore' },
    });

    const found = await resourcesServing(context(harness), oldCertOf(harness), {});

    expect(found.map((r) => r.Id).sort()).toEqual(['601', '602']);
    const calls = harness.sim.calls.filter((c) => c.action === 'ListCloudResources');
    expect(calls).toHaveLength(1 + cloudProducts.length);
    expect(calls.slice(1).map((c) => c.params.CloudProduct)).toEqual([...cloudProducts]);
  });
});

describe('ListDeploymentJob has no Keyword', () => {
  it.each(['ignore', 'refuse'] as const)(
    'with the simulator set to %s a Keyword, the client sends none, pages JobType=user and sees Del',
    async (listJobKeyword) => {
      const harness = await sim({
        orders: [order],
        resources,
        deployApi: { cloudProductRequired: false, listJobKeyword },
      });
      const client = harness.client();
      for (let i = 0; i < 3; i++)
        await client.createDeploymentJob({
          name: `certbot-r${i}`,
          certIds: [oldCertOf(harness)],
          resourceIds: ['601'],
          contactIds: ['4242'],
        });
      harness.sim.deployments.remove([...harness.sim.deployments.jobs.keys()][0]);

      const jobs = await client.listDeploymentJobs();

      expect(jobs.map((j) => [j.Name, j.Del])).toEqual([
        ['certbot-r2', 0],
        ['certbot-r1', 0],
        ['certbot-r0', 1],
      ]);
      const listed = harness.sim.calls.filter((c) => c.action === 'ListDeploymentJob');
      expect(listed.map((c) => [c.params.JobType, c.params.Keyword])).toEqual([['user', undefined]]);
    },
  );

  it('a Keyword (what the bot sent before) is ignored: every job comes back, so a name must be matched exactly', async () => {
    const harness = await sim({ orders: [order], resources });
    harness.sim.deployments.create({
      Name: 'certbot-r1-old',
      JobType: 'user',
      CertIds: oldCertOf(harness),
      ResourceIds: '601',
      ContactIds: '4242',
    });

    expect(harness.sim.deployments.list({ JobType: 'user', Keyword: 'certbot-r1' })).toHaveLength(1);
    expect(harness.sim.deployments.list({ JobType: 'cloud' })).toHaveLength(0);
  });

  it('a Keyword is refused when the simulator is told to refuse it', async () => {
    const harness = await sim({
      orders: [order],
      resources,
      deployApi: { cloudProductRequired: false, listJobKeyword: 'refuse' },
    });

    expect(() => harness.sim.deployments.list({ Keyword: 'certbot-r1' })).toThrow(
      expect.objectContaining({ code: 'InvalidParameter' }),
    );
  });
});
