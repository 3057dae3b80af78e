import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.ts';
import { buildOrder, startCasSim } from '../support/cas.ts';
import { leakCanarySecret, testCredentials, testStsCredentials } from '../support/secrets.ts';

type Harness = Awaited<ReturnType<typeof startCasSim>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function everythingAbout(err: unknown): string {
  const e = err as Error & { cause?: unknown };
  return [String(e), e.stack, JSON.stringify(e), JSON.stringify(e.cause ?? null), String(e.cause)].join('\n');
}

describe('authentication against the simulator', () => {
  it.each([
    [
      'a wrong secret',
      { accessKeyId: testCredentials.accessKeyId, accessKeySecret: leakCanarySecret },
      'SignatureDoesNotMatch',
      400,
    ],
    [
      'an unknown key',
      { accessKeyId: 'LTAInotAKey', accessKeySecret: leakCanarySecret },
      'InvalidAccessKeyId.NotFound',
      404,
    ],
    [
      'an STS key without its token',
      { accessKeyId: 'testStsKeyId', accessKeySecret: testStsCredentials.accessKeySecret },
      'InvalidSecurityToken.Mismatch',
      400,
    ],
    [
      'an STS key with the wrong token',
      {
        accessKeyId: 'testStsKeyId',
        accessKeySecret: testStsCredentials.accessKeySecret,
        securityToken: leakCanarySecret,
      },
      'InvalidSecurityToken.Mismatch',
      400,
    ],
  ])(
    'rejects %s, not retryable, with no secret in the error',
    async (_label, credentials, casCode, httpStatus) => {
      harness = await startCasSim({ orders: [buildOrder()] });
      const client = harness.client({ credentials: () => credentials });

      const err = await client.listUserCertificateOrder({}).catch((e: unknown) => e);

      expect(isAppError(err)).toBe(true);
      expect(err).toMatchObject({ casCode, httpStatus, retryable: false, outcome: 'rejected' });
      expect(everythingAbout(err)).not.toContain(leakCanarySecret);
      expect(harness.sim.calls).toHaveLength(1);
    },
  );

  it('accepts an STS key with its token', async () => {
    harness = await startCasSim();
    const client = harness.client({
      credentials: () => ({ ...testStsCredentials, accessKeyId: 'testStsKeyId' }),
    });

    await expect(client.describePackageState()).resolves.toMatchObject({ remaining: 0 });
  });

  it.each([
    ['16 minutes slow', -16 * 60_000, 'InvalidTimeStamp.Expired'],
    ['16 minutes fast', 16 * 60_000, 'InvalidTimeStamp.Expired'],
  ])('rejects a clock %s', async (_label, skew, casCode) => {
    harness = await startCasSim();
    const client = harness.client({ now: () => Date.now() + skew });

    await expect(client.describePackageState()).rejects.toMatchObject({ casCode, retryable: false });
  });

  it('accepts a clock 14 minutes off', async () => {
    harness = await startCasSim();

    await expect(
      harness.client({ now: () => Date.now() - 14 * 60_000 }).describePackageState(),
    ).resolves.toBeDefined();
  });

  it('rejects a reused nonce as SignatureNonceUsed, a retryable not-executed error', async () => {
    const order = buildOrder();
    harness = await startCasSim({ orders: [order] });
    const client = harness.client({ nonce: () => 'fixed-nonce-0001', readRetries: 0 });
    await client.describeCertificateState(String(order.orderId));

    const again = client.renewCertificateOrderForPackageRequest({ orderId: String(order.orderId) });

    await expect(again).rejects.toMatchObject({
      casCode: 'SignatureNonceUsed',
      retryable: true,
      outcome: 'not_executed',
    });
    expect(harness.sim.renewCount()).toBe(0);
  });

  it('signs with credentials fetched per call, so rotated keys are used at once', async () => {
    harness = await startCasSim({
      accessKeys: [{ accessKeyId: 'rotatedKeyId', accessKeySecret: 'rotatedSecret' }],
    });
    let current = { ...testCredentials } as { accessKeyId: string; accessKeySecret: string };
    const client = harness.client({ credentials: () => current });
    await client.describePackageState();
    current = { accessKeyId: 'rotatedKeyId', accessKeySecret: 'rotatedSecret' };

    await client.describePackageState();

    expect(harness.sim.calls.map((c) => c.accessKeyId)).toEqual([
      testCredentials.accessKeyId,
      'rotatedKeyId',
    ]);
  });
});
