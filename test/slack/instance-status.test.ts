import { afterEach, describe, expect, it } from 'vitest';
import { channelId, openCard } from '../support/app-harness.ts';
import { type RotationRig, rotated, rotationSubscription, startRotation } from '../support/rotation.ts';

let rig: RotationRig | undefined;
afterEach(async () => {
  await rig?.harness.stop();
  await rig?.tls?.close();
  rig = undefined;
});

/** `/cert status <instanceId>` and its private answer. */
async function statusOf(rig: RotationRig, instanceId = rotated.instanceId) {
  const h = rig.harness;
  await h.command(`status ${instanceId}`);
  const answer = await h.slack.waitForResponse((r) => String(r.body.text).includes('*V2 subscription*'));
  return String(answer.body.text);
}

describe('/cert status <instanceId>', () => {
  it("shows the open rotation request's state and a link to its thread first, then what CAS says", async () => {
    rig = await startRotation(rotationSubscription(), { worker: false });
    const card = await openCard(rig.harness, rotated.instanceId);

    const text = await statusOf(rig);

    const [request, thread, cas] = text.split('\n');
    expect(request).toMatch(
      new RegExp(
        `^\\*Rotation request\\* for subscription \`${rotated.instanceId}\`: .*Waiting for approval`,
      ),
    );
    expect(thread).toBe(`Thread: https://test.slack.com/archives/${channelId}/p${card.ts.replace('.', '')}`);
    expect(cas).toContain(
      `*V2 subscription* \`${rotated.instanceId}\` · ${rotated.domain}: subscription normal`,
    );
    expect(text).not.toContain('later version');
  });

  it('says when the subscription has no rotation request yet, and how to start one', async () => {
    rig = await startRotation(rotationSubscription(), { worker: false });

    const text = await statusOf(rig);

    expect(text.split('\n')[0]).toBe(
      `No rotation request for subscription \`${rotated.instanceId}\` yet. Start one with \`/cert renew ${rotated.instanceId}\`.`,
    );
    expect(text).toContain(`*V2 subscription* \`${rotated.instanceId}\``);
  });
});
