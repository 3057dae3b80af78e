import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { HeldRequest } from '../../src/cas-sim/faults.ts';
import { type AppHarness, childRoleEnv } from '../support/app-harness.ts';
import {
  applicationsActed,
  approveRotation,
  callsOf,
  type RotationRig,
  rotationSubscription,
  startRotation,
  threadUntil,
} from '../support/rotation.ts';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.ts';

let rig: RotationRig | undefined;
const workers: WorkerProcess[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.kill();
  await rig?.harness.stop();
  await rig?.tls?.close();
  rig = undefined;
});

/** Waits for the simulator to park a request of `action` (releasing any other it parks meanwhile). */
async function heldRequest(h: AppHarness, action: string): Promise<HeldRequest> {
  const timeout = AbortSignal.timeout(15_000);
  for (;;) {
    const [held] = (await once(h.cas.sim.events, 'held', { signal: timeout })) as [HeldRequest];
    if (held.action === action) return held;
    held.release('answer');
  }
}

describe('a worker SIGKILLed around a rotation’s ApplyCertificate, then a new one started', () => {
  it.each([
    // The claim is on disk and UpdateInstance (the call right before ApplyCertificate) is under way.
    ['just before ApplyCertificate', 'UpdateInstance', true, 1],
    // CAS took the application; its answer never arrived.
    ['just after ApplyCertificate, CAS having acted', 'ApplyCertificate', true, 1],
    // The request reached CAS, which did not act on it: the log holds it and the one the new worker sent.
    ['during ApplyCertificate, CAS not having acted', 'ApplyCertificate', false, 2],
  ] as const)(
    '%s: CAS acts on exactly one application and the rotation is issued',
    async (_label, action, afterActing, sent) => {
      // HTTP validation differs from the instance's DNS: UpdateInstance is sent after the claim.
      rig = await startRotation(rotationSubscription(), {
        worker: false,
        env: { CERT_VALIDATION_METHOD: 'HTTP' },
      });
      const h = rig.harness;
      h.cas.sim.faults.add({ action, fault: { kind: 'hold', afterActing } });
      const first = await spawnWorker(childRoleEnv(h));
      workers.push(first);

      const card = await approveRotation(h);
      const held = await heldRequest(h, action);
      await first.kill();
      held.release('drop');
      workers.push(await spawnWorker(childRoleEnv(h)));
      const thread = await threadUntil(h, card.ts, /Rotation issued|Needs attention|Rotation failed/, 30_000);

      expect(first.child.signalCode).toBe('SIGKILL');
      expect(thread.at(-1)).toMatch(/^:white_check_mark: Rotation issued/);
      expect(applicationsActed(h)).toBe(1);
      expect(callsOf(h, 'ApplyCertificate')).toHaveLength(sent);
      expect(callsOf(h, 'RenewCertificateOrderForPackageRequest')).toHaveLength(0);
      expect(await h.app.redis.hget(`${h.prefix}:renewal:${card.recordId}`, 'state')).toBe('issued');
    },
  );
});
