import type { AppQueues } from '../../src/jobs/queues.ts';

/**
 * Makes `add` on the app's renewals queue fail, as BullMQ does when Redis drops the connection, for the next
 * `count` calls once armed. `install` goes in the harness's `appQueues` option.
 */
export function renewalAddFaults() {
  let failures = 0;
  return {
    install(queues: AppQueues): AppQueues {
      const realAdd = queues.renewals.add.bind(queues.renewals);
      queues.renewals.add = (...args: Parameters<typeof realAdd>) => {
        if (failures <= 0) return realAdd(...args);
        failures -= 1;
        return Promise.reject(new Error('Connection is closed.'));
      };
      return queues;
    },
    failNext(count = 1) {
      failures = count;
    },
  };
}
