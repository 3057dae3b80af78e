import { afterEach, describe, expect, it } from 'vitest';
import type { RenewalRecord } from '../../src/renewals/record.ts';
import { rotateStep } from '../../src/worker/steps/rotate.ts';
import { approverId } from '../support/app-harness.ts';
import { testContactId } from '../support/cas.ts';
import { quickSubscriptions, rotated, rotationSubscription } from '../support/rotation.ts';
import { startWorkerSteps } from '../support/worker-steps.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A rotation request of the seeded subscription, approved (in `submitted`, where the application step runs). */
async function approvedRotation() {
  const started = await startWorkerSteps([], {
    subscriptions: [rotationSubscription()],
    subscriptionApi: quickSubscriptions,
    contacts: [{ contactId: testContactId, name: 'Platform team' }],
  });
  cleanups.push(started.cleanup);
  const created = await started.store.create({
    kind: 'rotation',
    orderId: rotated.instanceId,
    instanceId: rotated.instanceId,
    certIdBefore: rotated.certId,
    channelId: 'C0CERTS',
    requestedBy: 'U0REQUESTER',
    expiresAt: Date.now() + 60_000,
    domain: rotated.domain,
    application: {
      domain: rotated.domain,
      validationMethod: 'DNS',
      keyAlgorithm: 'RSA_2048',
      contactIds: [testContactId],
    },
  });
  if (!created.created) throw new Error('the instance already had a request');
  const approved = await started.store.transition(created.record.id, 'rotation_approved', {
    actor: approverId,
  });
  if (!approved.ok) throw new Error('not approved');
  return { ...started, record: approved.record as RenewalRecord };
}

describe('a rotation’s application, raced', () => {
  it('two application steps on one approved rotation (a stalled job redelivered): one claim wins, one ApplyCertificate, nothing refused', async () => {
    const { sim, store, ctx, record } = await approvedRotation();

    // Both runs read the record as `submitted` and the instance as `normal` before either acts.
    const results = await Promise.all([
      rotateStep(ctx, record, { recordId: record.id }, undefined),
      rotateStep(ctx, record, { recordId: record.id }, undefined),
    ]);

    expect(record.state).toBe('submitted');
    expect(sim.sim.calls.filter((c) => c.action === 'ApplyCertificate')).toHaveLength(1);
    expect(sim.sim.calls.filter((c) => c.outcome?.startsWith('InvalidStatus'))).toEqual([]);
    expect(sim.sim.calls.filter((c) => c.action === 'RenewCertificateOrderForPackageRequest')).toEqual([]);
    expect(results.map((r) => r.kind).sort()).toEqual(['again', 'later']);
    expect((await store.get(record.id))?.state).toBe('applying');
    const audit = await store.audit(record.id);
    expect(audit.filter((e) => e.action === 'applying')).toHaveLength(1);
  });
});
