import { afterEach, describe, expect, it } from 'vitest';
import { rotateStep, rotationCheckStep } from '../../src/worker/steps/rotate.ts';
import { rotationPollStep } from '../../src/worker/steps/rotation-follow.ts';
import { testContactId } from '../support/cas.ts';
import {
  approvedRotationRequest,
  quickSubscriptions,
  rotated,
  rotationSubscription,
} from '../support/rotation.ts';
import { startWorkerSteps } from '../support/worker-steps.ts';

const day = 86_400_000;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A rotation request of the seeded subscription, approved (in `submitted`, where the application step runs). */
async function approvedRotation(subscription = rotationSubscription(), api = quickSubscriptions) {
  const started = await startWorkerSteps([], {
    subscriptions: [subscription],
    subscriptionApi: api,
    contacts: [{ contactId: testContactId, name: 'Platform team' }],
  });
  cleanups.push(started.cleanup);
  return { ...started, record: await approvedRotationRequest(started.store) };
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

describe('issued means a new CertificateId', () => {
  it('an application withdrawn while under way (normal again, its old certificate still issued) is not issued: a person is told', async () => {
    // The old certificate has 60 days left (`issued`, not `willExpire`); an application is under way since seeding.
    const now = Date.now();
    const subscription = rotationSubscription({
      certificates: [{ certificateId: rotated.certId, notBefore: now - 100 * day, notAfter: now + 60 * day }],
      appliedAt: now,
    });
    const { sim, store, ctx, record } = await approvedRotation(subscription, {
      taskMs: 0,
      issueMs: 600_000,
      cancelMs: 0,
    });
    const applying = await store.transition(record.id, 'applied', {
      actor: 'worker',
      fields: { appliedAt: now },
    });
    if (!applying.ok) throw new Error('not applying');

    sim.sim.subscriptions.cancel(rotated.instanceId);
    const instance = sim.sim.subscriptions.mustGet(rotated.instanceId);
    await rotationPollStep(ctx, applying.record, { recordId: record.id, taskSucceeded: true }, undefined);

    expect(instance.certificates.at(-1)?.certificateId).toBe(rotated.certId);
    const after = await store.get(record.id);
    expect(after?.state).toBe('needs_attention');
    expect(after?.attention).toMatchObject({
      code: 'rotation_withdrawn',
      certId: rotated.certId,
      status: 'normal',
    });
    expect(after?.newCertId).toBeUndefined();
  });
});

describe('an unconfirmed ApplyCertificate (the claim on disk, no answer): CAS is asked, never a second call', () => {
  const message = 'CAA record forbids this CA';
  it.each([
    ['nothing under way, no task: it was not taken, back to apply', {}, 'submitted', undefined],
    [
      'an application under way (Status=pending): it was taken',
      { appliedAt: Date.now() },
      'applying',
      undefined,
    ],
    [
      'a failed task, the instance normal again: maybe ours, so a person checks',
      { appliedAt: Date.now() - 10_000, applyOutcomes: [{ task: 'failed' as const, message }] },
      'needs_attention',
      { code: 'rotation_unconfirmed', taskMessage: message },
    ],
  ])('%s', async (_label, extra, state, attention) => {
    const { sim, store, ctx, record } = await approvedRotation(rotationSubscription(extra), {
      taskMs: 0,
      issueMs: 600_000,
      cancelMs: 0,
    });
    const claimed = await store.transition(record.id, 'applying', {
      actor: 'worker',
      fields: { applyingAt: Date.now() - 60_000 },
    });
    if (!claimed.ok) throw new Error('not claimed');

    await rotationCheckStep(ctx, claimed.record, { recordId: record.id }, undefined);

    const after = await store.get(record.id);
    expect(after?.state).toBe(state);
    expect(after?.attention).toEqual(attention && { instanceId: rotated.instanceId, ...attention });
    expect(sim.sim.calls.filter((c) => c.action === 'ApplyCertificate')).toEqual([]);
  });
});
