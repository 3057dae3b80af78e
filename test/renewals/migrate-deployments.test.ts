import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { deployJobId, type RecordJobData } from '../../src/jobs/queues.ts';
import type { Logger } from '../../src/logger.ts';
import { migrateDeployments, migratedDetail, migrateOne } from '../../src/renewals/migrate-deployments.ts';
import { createRenewalStore, type RenewalStore } from '../../src/renewals/store.ts';
import { sweepOrphans } from '../../src/worker/sweeper.ts';
import { deleteKeysWithPrefix, testRedis, uniquePrefix } from '../support/redis.ts';

const redis: Redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

const resources = [{ resourceId: '601', product: 'CDN', domain: 'shop.example.com' }];
const results = [{ ...resources[0], workerId: '9601', status: 'success' }];
const tlsResults = [
  { domain: 'shop.example.com', address: '127.0.0.1:443', outcome: 'new', sha256: 'ab'.repeat(32) },
];
const application = {
  validationMethod: 'DNS',
  keyAlgorithm: 'RSA_2048',
  contactIds: ['1001', '1002'],
};
const retentionMs = 3_600_000;

/** The hash an old request had in `state`, with the deployment's fields under their old names (as of 253eff9). */
function oldRequest(id: string, state: string, more: Record<string, string> = {}): Record<string, string> {
  return {
    id,
    orderId: '123',
    state,
    version: '7',
    channelId: 'C0CERTS',
    messageTs: '1700000000.000100',
    requestedBy: 'U0REQUESTER',
    requestedAt: '1',
    expiresAt: '2',
    updatedAt: '5000',
    domain: 'shop.example.com',
    newOrderId: '456',
    intentId: 'intent-1',
    application: JSON.stringify(application),
    newCertId: '12',
    newCertSha256: 'ab'.repeat(32),
    oldCertId: '11',
    oldCertSha256: 'cd'.repeat(32),
    deployResources: JSON.stringify(resources),
    deployCardTs: '1700000000.000200',
    deployDecidedBy: 'U0APPROVER',
    ...more,
  };
}

const oldFields = [
  'deployResources',
  'deployCardTs',
  'deployDecidedBy',
  'deployCreatingAt',
  'deployJobId',
  'deployResults',
  'tlsResults',
  'rollbackWorkerId',
  'oldCertId',
  'oldCertSha256',
];
const job = { deployCreatingAt: '6000', deployJobId: '777' };
const finished = { ...job, deployResults: JSON.stringify(results) };
/** One old request per state the deployment used to have on the request; the worker owned those marked active. */
const cases = [
  { id: 'rRequested', state: 'deploy_requested', active: false, more: {} },
  { id: 'rApproved', state: 'deploy_approved', active: true, more: {} },
  { id: 'rCreating', state: 'deploy_creating', active: true, more: { deployCreatingAt: '6000' } },
  { id: 'rDeploying', state: 'deploying', active: true, more: job },
  { id: 'rVerifying', state: 'verifying', active: true, more: finished },
  { id: 'rDeployed', state: 'deployed', active: false, more: finished },
  {
    id: 'rVerified',
    state: 'verified',
    active: false,
    more: { ...finished, tlsResults: JSON.stringify(tlsResults) },
  },
  { id: 'rRolling', state: 'rolling_back', active: true, more: { ...finished, rollbackWorkerId: '9601' } },
  { id: 'rNotDeployed', state: 'not_deployed', active: false, more: { deployCreatingAt: '6000' } },
];

let prefix: string;
let store: RenewalStore;
const lines: { obj: object; msg?: string | undefined }[] = [];
const logger: Logger = {
  debug() {},
  info: (obj, msg) => lines.push({ obj, msg }),
  warn: (obj, msg) => lines.push({ obj, msg }),
  error() {},
};

/** Writes the old requests by hand: the hash, its audit trail, the active set, the retention of finished ones. */
async function writeOldRecords() {
  for (const [i, c] of cases.entries()) {
    const key = `${prefix}:renewal:${c.id}`;
    await redis.hset(key, oldRequest(c.id, c.state, c.more));
    await redis.rpush(`${prefix}:audit:${c.id}`, JSON.stringify({ at: 1, actor: 'U0', action: 'requested' }));
    if (c.active) await redis.zadd(`${prefix}:active`, 1000 + i, c.id);
    else for (const k of [key, `${prefix}:audit:${c.id}`]) await redis.pexpire(k, retentionMs);
  }
  // A request still renewing: not a deployment state, so never touched.
  await redis.hset(`${prefix}:renewal:rSubmitted`, oldRequest('rSubmitted', 'submitted'));
  await redis.zadd(`${prefix}:active`, 999, 'rSubmitted');
}

/** Everything the migration could change: every key under the prefix with its value and TTL. */
async function snapshot() {
  const keys = (await redis.keys(`${prefix}:*`)).sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const type = await redis.type(k);
    const value =
      type === 'hash'
        ? await redis.hgetall(k)
        : type === 'list'
          ? await redis.lrange(k, 0, -1)
          : await redis.zrange(k, '0', '-1', 'WITHSCORES');
    out[k] = { value, expires: (await redis.pttl(k)) > 0 };
  }
  return out;
}

beforeEach(async () => {
  prefix = uniquePrefix('migrate');
  store = createRenewalStore({ redis, prefix });
  lines.length = 0;
  await writeOldRecords();
  return () => deleteKeysWithPrefix(redis, prefix);
});

describe('the upgrade moves deployments stored on their request to their own records', () => {
  it('each old request reads as issued, and its deployment with its state and fields', async () => {
    const untouched = await redis.hgetall(`${prefix}:renewal:rSubmitted`);

    // A small COUNT: the scan takes several pages.
    expect(await migrateDeployments({ redis, prefix, logger, now: () => 9000, count: 2 })).toBe(cases.length);
    expect(lines).toEqual([
      { obj: { migrated: cases.length, leftAsIs: 0 }, msg: 'deployment records migrated' },
    ]);

    for (const c of cases) {
      const request = await store.get(c.id);
      expect(request?.state, c.id).toBe('issued');
      expect(request?.version).toBe(8);
      expect(request?.newCertId).toBe('12');
      const hash = await redis.hgetall(`${prefix}:renewal:${c.id}`);
      expect(Object.keys(hash).filter((k) => oldFields.includes(k))).toEqual([]);

      const deployment = await store.deployments.get(c.id);
      expect(deployment, c.id).toMatchObject({
        requestId: c.id,
        state: c.state,
        version: 7,
        channelId: 'C0CERTS',
        threadTs: '1700000000.000100',
        domain: 'shop.example.com',
        oldCertId: '11',
        newCertId: '12',
        oldCertSha256: 'cd'.repeat(32),
        newCertSha256: 'ab'.repeat(32),
        contactIds: ['1001', '1002'],
        resources,
        cardTs: '1700000000.000200',
        decidedBy: 'U0APPROVER',
        updatedAt: 5000,
      });
      expect(deployment?.run).toBe(c.active ? 1 : undefined);
      expect(deployment?.intentId).toBe('deployCreatingAt' in c.more ? 'intent-1' : undefined);
      const audit = await store.audit(c.id);
      expect(audit.at(-1)).toEqual({
        at: 9000,
        actor: 'certbot',
        action: 'deployment_migrated',
        from: c.state,
        to: 'issued',
        detail: migratedDetail,
      });
      // Finished ones keep their retention (the deployment and the audit with the request); active ones have none.
      for (const k of [`${prefix}:deployment:${c.id}`, `${prefix}:audit:${c.id}`]) {
        const ttl = await redis.pttl(k);
        if (c.active) expect(ttl, k).toBe(-1);
        else expect(ttl, k).toBeGreaterThan(retentionMs - 60_000);
      }
    }

    const deploying = await store.deployments.get('rDeploying');
    expect(deploying).toMatchObject({ jobId: '777', creatingAt: 6000 });
    const verified = await store.deployments.get('rVerified');
    expect(verified).toMatchObject({ tlsResults, results, jobId: '777' });
    expect((await store.deployments.get('rRolling'))?.rollbackWorkerId).toBe('9601');

    // The worker-owned ones moved to the deployment's active set, in their old order; the sweeper requeues them.
    expect(await store.deployments.activeIds()).toEqual(cases.filter((c) => c.active).map((c) => c.id));
    expect(await store.activeIds()).toEqual(['rSubmitted']);
    expect(await redis.hgetall(`${prefix}:renewal:rSubmitted`)).toEqual(untouched);
    expect(await store.deployments.get('rSubmitted')).toBeUndefined();
  });

  it('the sweeper enqueues the first run of each deployment the worker owned', async () => {
    await migrateDeployments({ redis, prefix, logger });
    const queue = new Queue<RecordJobData>('renewals', { connection: redis, prefix });

    await sweepOrphans({ store, queue, logger });

    const active = cases.filter((c) => c.active);
    for (const c of active)
      expect((await queue.getJob(deployJobId(c.id, 1)))?.data, c.id).toEqual({ recordId: c.id, run: 1 });
    expect(await queue.getJobCountByTypes('waiting', 'delayed', 'prioritized')).toBe(active.length + 1);
    await queue.close();
  });

  it('a request whose deployment exists already, or whose fields do not read, is left as it is and named', async () => {
    await redis.hset(`${prefix}:deployment:rDeployed`, { requestId: 'rDeployed', state: 'verified' });
    await redis.hset(`${prefix}:renewal:rVerified`, 'deployResources', 'not json');
    const before = await snapshot();

    expect(await migrateDeployments({ redis, prefix, logger })).toBe(cases.length - 2);

    const after = await snapshot();
    for (const id of ['rDeployed', 'rVerified'])
      for (const k of [`${prefix}:renewal:${id}`, `${prefix}:audit:${id}`, `${prefix}:deployment:${id}`])
        expect(after[k], k).toEqual(before[k]);
    const warned = lines.filter((l) => l.msg === 'request in an old deployment state left as it is');
    expect(warned.map((l) => l.obj)).toEqual(
      expect.arrayContaining([
        { recordId: 'rDeployed', outcome: 'exists' },
        { recordId: 'rVerified', outcome: 'invalid' },
      ]),
    );
    expect(warned).toHaveLength(2);
    expect(lines.at(-1)).toEqual({
      obj: { migrated: cases.length - 2, leftAsIs: 2 },
      msg: 'deployment records migrated',
    });
  });

  it('running it again changes nothing', async () => {
    await migrateDeployments({ redis, prefix, logger });
    const before = await snapshot();

    expect(await migrateDeployments({ redis, prefix, logger })).toBe(0);

    expect(await snapshot()).toEqual(before);
    expect(lines.at(-1)).toEqual({ obj: { migrated: 0, leftAsIs: 0 }, msg: 'deployment records migrated' });
  });

  it('two processes migrating the same request at once: one moves it, the other changes nothing', async () => {
    const read = await redis.hgetall(`${prefix}:renewal:rDeploying`);

    const outcomes = await Promise.all([
      migrateOne(redis, prefix, read, 9000),
      migrateOne(redis, prefix, read, 9001),
    ]);
    // Then a third that read the request before both (a process interrupted between its read and its script).
    const late = await migrateOne(redis, prefix, read, 9002);

    expect(outcomes.sort()).toEqual(['migrated', 'skipped']);
    expect(late).toBe('skipped');
    expect(await store.audit('rDeploying')).toHaveLength(2);
    expect((await store.get('rDeploying'))?.version).toBe(8);
    expect(await store.deployments.activeIds()).toEqual(['rDeploying']);
  });

  it('whole migrations started at once move every request exactly once', async () => {
    const counts = await Promise.all([
      migrateDeployments({ redis, prefix, logger, count: 3 }),
      migrateDeployments({ redis, prefix, logger, count: 5 }),
    ]);

    expect(counts[0] + counts[1]).toBe(cases.length);
    for (const c of cases) expect(await store.audit(c.id), c.id).toHaveLength(2);
  });
});
