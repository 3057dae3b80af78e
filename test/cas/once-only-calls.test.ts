import { afterEach, describe, expect, it } from 'vitest';
import type { CasClient } from '../../src/cas/client.ts';
import { startCasSim } from '../support/cas.ts';

type Harness = Awaited<ReturnType<typeof startCasSim>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The once-only calls, each with the action it sends; the caller's claim decides about another try. */
const onceOnly: Array<[string, (client: CasClient) => Promise<unknown>]> = [
  [
    'RenewCertificateOrderForPackageRequest',
    (c) => c.renewCertificateOrderForPackageRequest({ orderId: '1' }),
  ],
  ['ApplyCertificate', (c) => c.applyCertificate('cas-ivauto-1')],
  ['CancelPendingCertificate', (c) => c.cancelPendingCertificate('cas_dv-cn-1')],
  [
    'CreateDeploymentJob',
    (c) =>
      c.createDeploymentJob({
        name: 'certbot-r1',
        certIds: ['1'],
        resourceIds: ['601'],
        contactIds: ['4242'],
      }),
  ],
];

describe('the API families share one request machinery: once-only calls are never retried, reads are', () => {
  it.each(onceOnly)('%s is sent once on a retryable refusal (throttled)', async (action, call) => {
    harness = await startCasSim();
    harness.sim.faults.add({ action, fault: { kind: 'throttle' }, times: 5 });
    const client = harness.client();

    await expect(call(client)).rejects.toMatchObject({ casCode: 'Throttling.User', retryable: true });
    expect(harness.sim.calls.filter((c) => c.action === action)).toHaveLength(1);
    expect(client.delays).toEqual([]);
  });

  it('a read (ListContact) is retried after the same refusal, and answers', async () => {
    harness = await startCasSim();
    harness.sim.faults.add({ action: 'ListContact', fault: { kind: 'throttle' }, times: 1 });
    const client = harness.client();

    const contacts = await client.listContacts();

    expect(contacts.length).toBeGreaterThan(0);
    expect(harness.sim.calls.filter((c) => c.action === 'ListContact')).toHaveLength(2);
    expect(client.delays).toHaveLength(1);
  });
});
