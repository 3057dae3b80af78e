import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { AccountsSimulator } from '../../src/cas-sim/accounts-sim.ts';
import { startAccountsApp } from '../support/account-app.ts';
import { type AppHarness, startAppHarness } from '../support/app-harness.ts';
import { testRedis } from '../support/redis.ts';

let h: AppHarness | undefined;
let sim: AccountsSimulator | undefined;

afterEach(async () => {
  await h?.stop();
  await sim?.close();
  h = undefined;
  sim = undefined;
});

/** The job schedulers of the app's scan queue. */
async function scanSchedulers(harness: AppHarness) {
  const queue = new Queue('scans', { connection: testRedis(), prefix: harness.prefix });
  const schedulers = await queue.getJobSchedulers();
  await queue.close();
  return schedulers;
}

describe('the daily expiry scan with an accounts file', () => {
  it('is scheduled although CERT_ALERT_CHANNEL is unset: each account alerts its own channel', async () => {
    const started = await startAccountsApp({});
    h = started.h;
    sim = started.sim;

    expect(h.config.alerts.channel).toBeUndefined();
    expect(await scanSchedulers(h)).toEqual([expect.objectContaining({ key: 'expiry-scan' })]);
  });

  it('is not scheduled with one account and no alert channel (nowhere to post)', async () => {
    h = await startAppHarness({ worker: {} });

    expect(await scanSchedulers(h)).toEqual([]);
  });
});
