import { describe, expect, it } from 'vitest';
import type { DeployResult } from '../../src/renewals/deployment.ts';
import type { DeployState } from '../../src/renewals/deployment-record.ts';
import { renderDeployCard } from '../../src/slack/deploy-card.ts';
import { blockKitProblems } from '../../src/slack-standin/block-kit-limits.ts';
import { deployRecord } from '../support/deploy-record.ts';

const render = (results: DeployResult[], state: DeployState = 'verified') => {
  const { request, deployment } = deployRecord(results, { state });
  return renderDeployCard(request, deployment);
};

const result = (i: number, status: string): DeployResult => ({
  workerId: String(1000 + i),
  resourceId: String(500 + i),
  product: 'CDN',
  // Text from CAS (here a domain) is escaped where it is rendered.
  domain: status === 'error' ? `e${i}.example.com <!channel>` : `e${i}.example.com`,
  status,
});

describe('the deployment card', () => {
  it('stays within Slack limits with 60 resources: failed ones first with Roll back, the rest summarised', () => {
    const results = Array.from({ length: 60 }, (_, i) => result(i, i % 20 === 7 ? 'error' : 'success'));

    const card = render(results);

    expect(blockKitProblems(card.blocks, 'message')).toEqual([]);
    expect(card.blocks.length).toBeLessThanOrEqual(50);
    const rollbacks = card.blocks.filter(
      (b) => 'accessory' in b && (b.accessory as { action_id?: string }).action_id === 'cert_rollback',
    );
    expect(rollbacks.map((b) => b.block_id)).toEqual(['result_1007', 'result_1027', 'result_1047']);
    // Every resource is either shown or counted in "…and N more".
    const shownResults = card.blocks.filter((b) => b.block_id?.startsWith('result_')).length;
    const more = /…and (\d+) more resources/.exec(JSON.stringify(card.blocks));
    expect(shownResults + Number(more?.[1])).toBe(60);
    // Text from CAS is escaped where it is rendered.
    expect(JSON.stringify(card.blocks)).not.toContain('<!channel>');
  });

  it('offers Roll back only once the job is finished', () => {
    const card = render([result(1, 'error')], 'rolling_back');

    expect(JSON.stringify(card.blocks)).not.toContain('cert_rollback');
  });
});
