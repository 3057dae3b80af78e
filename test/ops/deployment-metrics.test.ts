import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { type AppHarness, approverId } from '../support/app-harness.ts';
import { deploymentTests, threadUntil } from '../support/deployment.ts';

const { upToDeployCard } = deploymentTests();
async function metricsText(harness: AppHarness): Promise<string> {
  const res = await request(`${harness.metricsBase}/metrics`);
  expect(res.statusCode).toBe(200);
  return res.body.text();
}

describe('/metrics for deployments', () => {
  it('exports certbot_deployments_total by outcome and certbot_tls_endpoints by result', async () => {
    const { card, harness, deployTs, deployValue } = await upToDeployCard({
      resources: [
        { id: '601', cloudProduct: 'CDN', domain: 'shop.example.com', regionId: 'cn-hangzhou' },
        { id: '602', cloudProduct: 'CDN', domain: 'www.shop.example.com', regionId: 'cn-hangzhou' },
        { id: '603', cloudProduct: 'CDN', domain: '*.shop.example.com', regionId: 'cn-hangzhou' },
      ],
      stale: ['www.shop.example.com'],
    });
    const before = await metricsText(harness);

    await harness.click('cert_deploy', { user: approverId, messageTs: deployTs, value: deployValue });
    await threadUntil(harness, card.ts, /Serving the new certificate on 1 of 3/);
    const after = await metricsText(harness);

    for (const header of [
      '# TYPE certbot_deployments_total counter',
      '# HELP certbot_deployments_total Deployments',
      '# TYPE certbot_tls_endpoints counter',
      '# HELP certbot_tls_endpoints Endpoints seen by the final TLS check',
    ]) {
      expect(before).toContain(header);
    }
    expect(before).not.toMatch(/^certbot_(deployments_total|tls_endpoints)\{/m);
    const samples = after.split('\n').filter((l) => /^certbot_(deployments_total|tls_endpoints)\{/.test(l));
    expect(samples.sort()).toEqual([
      'certbot_deployments_total{outcome="not_serving"} 1',
      'certbot_tls_endpoints{result="new"} 1',
      'certbot_tls_endpoints{result="old"} 1',
      'certbot_tls_endpoints{result="unreachable"} 1',
    ]);
  });
});
