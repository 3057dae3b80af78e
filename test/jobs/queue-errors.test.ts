import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppQueues, createQueues, logQueueErrors } from '../../src/jobs/queues.ts';
import type { Logger } from '../../src/logger.ts';

let queues: AppQueues | undefined;
let redis: Redis | undefined;
afterEach(async () => {
  await queues?.close();
  redis?.disconnect();
  queues = undefined;
  redis = undefined;
});

/** A logger that keeps its warnings, and a promise of the first one. */
function capturingLogger() {
  const warnings: Array<{ obj: object; msg: string | undefined }> = [];
  let first: () => void = () => {};
  const warned = new Promise<void>((resolve) => {
    first = resolve;
  });
  const logger: Logger = {
    debug() {},
    info() {},
    warn(obj, msg) {
      warnings.push({ obj, msg });
      first();
    },
    error() {},
  };
  return { logger, warnings, warned };
}

describe('queue errors are logged, never swallowed', () => {
  it('a Redis that refuses the connection: each queue logs its name, the role and the message', async () => {
    const { logger, warnings, warned } = capturingLogger();
    // Nothing listens on port 1: the connection is refused, and the queues report it.
    redis = new Redis({
      host: '127.0.0.1',
      port: 1,
      password: 'p4ssw0rd-not-logged',
      maxRetriesPerRequest: null,
    });
    queues = createQueues(redis, 'queue-errors', logQueueErrors(logger, 'worker'));

    await Promise.race([
      warned,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no queue error logged')), 10_000)),
    ]);

    expect(warnings[0]).toMatchObject({
      msg: 'queue error',
      obj: {
        role: 'worker',
        queue: expect.stringMatching(/^(renewals|approvals|scans)$/),
        err: { message: expect.stringMatching(/ECONNREFUSED/) },
      },
    });
    expect(JSON.stringify(warnings)).not.toContain('p4ssw0rd-not-logged');
  });
});
