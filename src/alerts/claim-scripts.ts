// The Lua scripts of alert claims. An alert is claimed before it is posted; each claim is also a lease, a member
// of the leases sorted set scored with the time it runs out, until the scan that made it completes it (posted) or
// gives it back (not posted). A scan that died or lost Redis in between leaves its lease behind: a later scan gives
// back every lease that ran out, so a claim is always completed or given back, at worst one lease late.

/**
 * Claims an alert for the tightest threshold an order has crossed, once per (order, end date, threshold); a later
 * scan, a restart or a concurrent scan gets ''. A new end date (the certificate was renewed in place) resets. The
 * hash lives until the retention after the end date. Returns the lease: a JSON object with what the hash held
 * before (to give back if the alert cannot be posted).
 * KEYS: the order's alert hash, the set of alerted orders, the leases. ARGV: certEndTime, threshold, orderId,
 * domain, product, retention after the end date ms, lease token, lease end ms.
 */
export const claimThresholdScript = `
local before = redis.call('HGETALL', KEYS[1])
local current = tonumber(redis.call('HGET', KEYS[1], 'threshold') or '')
if redis.call('HGET', KEYS[1], 'certEndTime') ~= ARGV[1] then
  current = nil
  redis.call('HSET', KEYS[1], 'expired', '0')
end
if current ~= nil and tonumber(ARGV[2]) >= current then return '' end
redis.call('HSET', KEYS[1], 'threshold', ARGV[2], 'certEndTime', ARGV[1], 'orderId', ARGV[3], 'domain', ARGV[4], 'productName', ARGV[5])
redis.call('PEXPIREAT', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[6]))
local wasMember = redis.call('SADD', KEYS[2], ARGV[3]) == 0
local previous = {}
for i = 1, #before, 2 do previous[before[i]] = before[i + 1] end
local lease = cjson.encode({ kind = 'threshold', orderId = ARGV[3], threshold = ARGV[2], certEndTime = ARGV[1],
  previous = cjson.encode({ hash = previous, member = wasMember }), token = ARGV[7] })
redis.call('ZADD', KEYS[3], ARGV[8], lease)
return lease
`;

/**
 * Gives a threshold claim back: restores the hash as it was, if this claim is still the latest, and ends its lease.
 * KEYS: alert hash, alerted set, leases. ARGV: claimed threshold, claimed certEndTime, previous JSON, orderId, lease.
 */
export const releaseThresholdScript = `
redis.call('ZREM', KEYS[3], ARGV[5])
if redis.call('HGET', KEYS[1], 'threshold') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'certEndTime') ~= ARGV[2] then
  return 0
end
local previous = cjson.decode(ARGV[3])
redis.call('DEL', KEYS[1])
for k, v in pairs(previous['hash']) do redis.call('HSET', KEYS[1], k, v) end
if next(previous['hash']) ~= nil then redis.call('PEXPIREAT', KEYS[1], tonumber(ARGV[2]) + 90 * 86400000) end
if not previous['member'] then redis.call('SREM', KEYS[2], ARGV[4]) end
return 1
`;

/**
 * Claims the one final "expired" alert of an order; returns its lease, or '' when it was claimed before.
 * KEYS: alert hash, alerted set, leases. ARGV: orderId, retention ms, lease token, lease end ms.
 */
export const claimExpiredScript = `
if redis.call('HGET', KEYS[1], 'expired') == '1' then return '' end
redis.call('HSET', KEYS[1], 'expired', '1')
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local lease = cjson.encode({ kind = 'expired', orderId = ARGV[1], token = ARGV[3] })
redis.call('ZADD', KEYS[3], ARGV[4], lease)
return lease
`;

/**
 * Gives the final alert's claim back (not posted): the order is alerted again by the next scan, unless its
 * bookkeeping is gone meanwhile (renewed, or past its retention). KEYS: alert hash, alerted set, leases.
 * ARGV: orderId, lease.
 */
export const releaseExpiredScript = `
redis.call('ZREM', KEYS[3], ARGV[2])
if redis.call('HGET', KEYS[1], 'expired') ~= '1' then return 0 end
redis.call('HSET', KEYS[1], 'expired', '0')
redis.call('SADD', KEYS[2], ARGV[1])
return 1
`;
