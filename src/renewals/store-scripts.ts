// The Lua scripts of the renewal store. Each is one atomic step; each says which keys it touches.

/**
 * Creates a request unless the order already has an open one. KEYS: record, open-order index, audit,
 * latest-by-order, pending-approvals set, active set. ARGV: id, audit entry JSON, the sets the initial state is in
 * (comma-separated `pending`, `active`: transitions.ts decides), now, then field/value pairs.
 */
export const createScript = `
local existing = redis.call('GET', KEYS[2])
if existing then return {'exists', existing} end
local sets = ',' .. ARGV[3] .. ','
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SET', KEYS[4], ARGV[1])
if string.find(sets, ',pending,', 1, true) then redis.call('SADD', KEYS[5], ARGV[1]) end
if string.find(sets, ',active,', 1, true) then redis.call('ZADD', KEYS[6], ARGV[4], ARGV[1]) end
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('RPUSH', KEYS[3], ARGV[2])
return {'ok', ARGV[1]}
`;

/**
 * Applies one row of a record kind's table (transitions.ts for a request, deploy-transitions.ts for its deployment)
 * as a compare-and-set: the record moves to ARGV[2] only from one of the comma-separated states in ARGV[1] (or,
 * with the `create` flag, from no record at all), and in the same step the row's effects happen: the
 * audit entry, the outbox items (and the index of requests with undelivered items), the active and pending sets,
 * the open-order index (release or reclaim), the claim of a new order ID, and the retention clock of every key
 * of the request. Which states a move goes between, which sets the record is in after it (flags `active` and
 * `pending`; it leaves the others) and which states hold the renew lease all come from the table: no state is
 * named here.
 *
 * KEYS: record, open-order index, audit, outbox, active set (of the record's kind), pending set, latest-by-order, card index, new-order
 * claim, outbox index (the card index and the claim stand in for the record key when there is nothing of theirs
 * yet), renew lease hash (scope → holder ID, and `unresolved`: how many holders gave up without knowing their new
 * order), the order's last renewal (set with the claim of a new order ID: the order was renewed into it; kept for
 * the retention, so that a new request of the order warns that it renews again), the request's record (the same
 * as the first key for a request; a deployment's moves keep its request as long as itself).
 * ARGV: from, to, flags, retention ms, audit JSON (from/to filled in here), outbox items JSON array, now, new
 * order ID to claim (or ''), the version the caller saw (or '' for any), lease scope to take (`*` the account,
 * `d:<domain>` one domain), record key prefix (a lease holder is its record), the lease's `unresolved` count read
 * before the caller's listing of pending orders began (or '' for no check), the comma-separated states in which a
 * lease holder holds its lease, the request ID (the sets and the outbox index hold it), the approvals the request
 * needs (for the `approval_count`/`approval_quorum` rows; '' otherwise), a JSON object of fields that must hold
 * these values (absent: '') for the move to happen, else `stale` (`{}` for none), then field/value pairs.
 * The approval rows keep the distinct approvers in the record's `approvals` field: `approval_count` adds the actor
 * unless they are in it (`approval_repeated`) or adding them reaches the count (`approval_quorum`: the caller makes
 * the quorum row instead); `approval_quorum` moves only when the approvers with the actor reach it (`approval_short`).
 * Returns the status, its value (the state left, or who holds what was refused) and, but for `missing` and
 * `refetch`, the record's field/value pairs as the step left it: the caller needs no read of its own after.
 */
export const transitionScript = `
local flags = ',' .. ARGV[3] .. ','
local function has(flag) return string.find(flags, ',' .. flag .. ',', 1, true) ~= nil end
-- The whole record, read once: every check below reads it, and the caller gets it back as the move left it.
local raw = redis.call('HGETALL', KEYS[1])
local hash = {}
for i = 1, #raw, 2 do hash[raw[i]] = raw[i + 1] end
local function fields()
  local out = {}
  for f, v in pairs(hash) do table.insert(out, f) table.insert(out, v) end
  return out
end
local state = hash['state']
if not state and not has('create') then return {'missing', ''} end
-- The caller named the keys from the request's fields as it last read them (record-moves.ts): a new order ID set
-- since (its claim key would be missing) makes it read them again. A request's own record only (KEYS[13]).
if KEYS[1] == KEYS[13] and hash['newOrderId'] and KEYS[9] == KEYS[1] then return {'refetch', ''} end
if state then
  local allowed = false
  for s in string.gmatch(ARGV[1], '[^,]+') do if s == state then allowed = true end end
  if not allowed then return {'conflict', state, fields()} end
else
  state = 'none'
end
-- A version seen before moves that change nothing a decision is about (an approval counted, a reminder: rows
-- flagged keeps_seen, which record the window they span) is still the version seen.
if ARGV[9] ~= '' and hash['version'] ~= ARGV[9] then
  if hash['seenTo'] ~= hash['version'] or tonumber(ARGV[9]) < tonumber(hash['seenFrom'] or hash['version']) then
    return {'stale', state, fields()}
  end
end
for field, expected in pairs(cjson.decode(ARGV[16])) do
  if (hash[field] or '') ~= expected then return {'stale', state, fields()} end
end
local id = ARGV[14]
local extra = {}
if has('approval_count') or has('approval_quorum') then
  -- The distinct approvers so far; the actor counts once, whatever they click.
  local actor = cjson.decode(ARGV[5])['actor']
  local list = hash['approvals'] or ''
  local approvers, counted = {}, false
  for a in string.gmatch(list, '[^,]+') do
    table.insert(approvers, a)
    if a == actor then counted = true end
  end
  if not counted then table.insert(approvers, actor) end
  local required = tonumber(ARGV[15]) or 1
  if has('approval_count') and counted then return {'approval_repeated', tostring(#approvers), fields()} end
  -- Only the approval that reaches the count may make the quorum row; any earlier one is only counted.
  if has('approval_count') and #approvers >= required then return {'approval_quorum', tostring(#approvers), fields()} end
  if has('approval_quorum') and #approvers < required then return {'approval_short', tostring(#approvers), fields()} end
  table.insert(extra, 'approvals')
  table.insert(extra, table.concat(approvers, ','))
end
if has('keeps_seen') then
  table.insert(extra, 'seenFrom')
  table.insert(extra, hash['seenTo'] == hash['version'] and hash['seenFrom'] or hash['version'])
  table.insert(extra, 'seenTo')
  table.insert(extra, tostring(tonumber(hash['version']) + 1))
end
local lease_held = nil
if has('reclaim') then
  local owner = redis.call('GET', KEYS[2])
  if owner and owner ~= id then return {'order_taken', owner, fields()} end
end
local claiming = has('claim') and ARGV[8] ~= ''
if claiming then
  local owner = redis.call('GET', KEYS[9])
  if owner and owner ~= id then return {'order_claimed', owner, fields()} end
end
if has('lease_take') then
  local unresolved = tonumber(redis.call('HGET', KEYS[11], 'unresolved') or '0')
  if ARGV[12] ~= '' and tonumber(ARGV[12]) < unresolved then return {'lease_stale', '', fields()} end
  local held = redis.call('HGETALL', KEYS[11])
  lease_held = held
  for i = 1, #held, 2 do
    local scope, holder = held[i], held[i + 1]
    if scope ~= 'unresolved' and holder ~= id and (ARGV[10] == '*' or scope == '*' or scope == ARGV[10]) then
      -- The holder is its record: one that left the lease's states, or is gone, holds nothing (a crash cannot block).
      local holding = false
      local held_state = redis.call('HGET', ARGV[11] .. holder, 'state')
      for s in string.gmatch(ARGV[13], '[^,]+') do if s == held_state then holding = true end end
      if holding then return {'lease_held', holder, fields()} end
      redis.call('HDEL', KEYS[11], scope)
    end
  end
end
if has('lease_take') or has('lease_release') then
  -- Read above when taking: the scopes it dropped were others', and only this request's are looked at here.
  local held = lease_held or redis.call('HGETALL', KEYS[11])
  for i = 1, #held, 2 do
    if held[i] ~= 'unresolved' and held[i + 1] == id then
      redis.call('HDEL', KEYS[11], held[i])
      if has('lease_unresolved') then redis.call('HINCRBY', KEYS[11], 'unresolved', 1) end
    end
  end
end
if has('lease_take') then redis.call('HSET', KEYS[11], ARGV[10], id) end
-- One HSET for the state and every field (ARGV from 17 on are field/value pairs).
-- The next version (read above, in this same step) goes in the same HSET as the state and the fields.
local version = tonumber(hash['version'] or '0') + 1
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'version', version, unpack(ARGV, 17))
if #extra > 0 then redis.call('HSET', KEYS[1], unpack(extra)) end
-- The record as these writes left it (a reply's numbers would come back as integers: the version is a string).
hash['state'] = ARGV[2]
hash['version'] = tostring(version)
for i = 17, #ARGV, 2 do hash[ARGV[i]] = ARGV[i + 1] end
for i = 1, #extra, 2 do hash[extra[i]] = extra[i + 1] end
local entry = cjson.decode(ARGV[5])
entry['from'] = state
entry['to'] = ARGV[2]
redis.call('RPUSH', KEYS[3], cjson.encode(entry))
local pushed = {}
-- Each item names the version this change left (a deliverer holding that version or a newer one renders from it)
-- and who made the change (the worker delivers what it queued itself).
for _, item in ipairs(cjson.decode(ARGV[6])) do
  item['version'] = version
  item['by'] = entry['actor']
  table.insert(pushed, cjson.encode(item))
end
-- The index of requests with undelivered items holds this one while its outbox is not empty (the delivery's last
-- step removes it only with the outbox empty): only a push into an empty outbox adds it.
if #pushed > 0 and redis.call('RPUSH', KEYS[4], unpack(pushed)) == #pushed then
  redis.call('ZADD', KEYS[10], 'NX', ARGV[7], id)
end
if has('active') then redis.call('ZADD', KEYS[5], ARGV[7], id) elseif has('leave_active') then redis.call('ZREM', KEYS[5], id) end
if has('pending') then redis.call('SADD', KEYS[6], id) elseif has('leave_pending') then redis.call('SREM', KEYS[6], id) end
if claiming then
  redis.call('SET', KEYS[9], id)
  redis.call('SET', KEYS[12], id, 'PX', ARGV[4])
end
if has('release') and redis.call('GET', KEYS[2]) == id then redis.call('DEL', KEYS[2]) end
-- Each key once (a request's record is also its request's; an absent card or claim stands in as the record).
local owned, seen = {}, {}
local function own(k) if not seen[k] then seen[k] = true table.insert(owned, k) end end
for _, k in ipairs({KEYS[1], KEYS[3], KEYS[4], KEYS[8], KEYS[9], KEYS[13]}) do own(k) end
-- The latest-by-order pointer is this request's only while no newer request of the order replaced it.
if (has('reclaim') or has('retain')) and redis.call('GET', KEYS[7]) == id then own(KEYS[7]) end
if has('reclaim') then
  redis.call('SET', KEYS[2], id)
  for _, k in ipairs(owned) do redis.call('PERSIST', k) end
end
if has('retain') then
  for _, k in ipairs(owned) do redis.call('PEXPIRE', k, ARGV[4]) end
end
return {'ok', state, fields()}
`;

/** Extends a lock while its holder is still busy. KEYS: lock. ARGV: token, ttl ms. Returns 1 if still held. */
export const extendLockScript = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** Releases a lock only if the caller still holds it. KEYS: lock. ARGV: token. */
export const releaseLockScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;
