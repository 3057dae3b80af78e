import type { Redis } from 'ioredis';
import { AppError } from '../errors.ts';
import type { ClaimFence, DurableClaims } from '../renewals/claim-fence.ts';

/**
 * Checks that the record is still in ARGV[1] with token ARGV[2] (if any); with ARGV[3] = '1', also writes a
 * field so that this connection's next WAIT/WAITAOF covers the claim. KEYS: record. Returns 1 if still claimed.
 */
const fenceScript = `
local held = redis.call('HMGET', KEYS[1], 'state', 'intentId')
if held[1] ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' and held[2] ~= ARGV[2] then return 0 end
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'claimCheckedAt', ARGV[4]) end
return 1
`;

/**
 * Makes a claim durable on the connection that wrote it, then fences the send on it. WAIT and WAITAOF count only
 * the writes of the connection they are sent on, so a reconnect between the claim and the wait (ioredis resends
 * or reconnects silently) would make them return at once: then the claim is read again on the new connection, with
 * a write that the next wait covers (a claim lost in a failover is found missing there, and nothing is sent).
 * Last, just before the send, the record must still be in the claimed state with this run's token.
 */
export function createDurableClaims(
  redis: Redis,
  wait: () => Promise<void>,
  now: () => number = Date.now,
): DurableClaims {
  let connection = 0;
  redis.on('ready', () => {
    connection++;
  });
  const fence = async (claim: ClaimFence, touch: boolean) => {
    const args = [claim.state, claim.token ?? '', touch ? '1' : '0', String(now())];
    if ((await redis.eval(fenceScript, 1, claim.key, ...args)) !== 1)
      throw new AppError('CLAIM_LOST', `the claim on ${claim.key} is no longer this run's; nothing is sent`);
  };
  const confirm = async (claim: ClaimFence) => {
    let covered = claim.mark === connection;
    for (let attempt = 0; attempt < 3; attempt++) {
      const at = connection;
      if (!covered) await fence(claim, true);
      await wait();
      if (connection === at) {
        await fence(claim, false);
        return;
      }
      covered = false;
    }
    throw new AppError('REDIS_NOT_DURABLE', 'the connection to Redis kept changing during the wait', {
      retryable: true,
    });
  };
  return Object.assign(confirm, { mark: () => connection });
}
