// Lua scripts run atomically by Redis: each is one step no other client can interleave with. Every
// script touches the keys of one token only, which share a hash tag, so each runs on one cluster node.

/**
 * Stores a token record only over an older generation or nothing: the lineage lives in the record,
 * so a writer that stalled cannot roll a token back, and one holding a newer token than a store
 * that lost data restores it.
 *
 * KEYS[1] = the record (a hash: `generation`, `value`, and `spend` while its refresh token is
 * being sent or was refused). ARGV[1] = the generation, ARGV[2] = the value, ARGV[3] = `'1'` to
 * write an equal generation's field again so that it is propagated (and a following `WAIT` covers
 * it; the write it repeats may never have reached a replica), ARGV[4] = the spend mark (`''` for
 * none). Returns `{1}` when written, `{0, generation, value, spend}` when not (the stored record),
 * `{-1}` when the stored record is not one of this store's.
 */
export const WRITE_IF_NEWER = `
local stored = redis.call('HMGET', KEYS[1], 'generation', 'value')
if stored[1] or stored[2] then
  local current = tonumber(stored[1])
  if not current or not stored[2] then return {-1} end
  local given = tonumber(ARGV[1])
  if current >= given then
    if current == given and ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'generation', stored[1]) end
    return {0, stored[1], stored[2], redis.call('HGET', KEYS[1], 'spend')}
  end
end
-- One HSET, so the write is whole or nothing; an empty spend field means no mark.
redis.call('HSET', KEYS[1], 'generation', ARGV[1], 'value', ARGV[2], 'spend', ARGV[4])
return {1}`;

/**
 * The check right before a refresh token is spent: this lease still holds the lock AND the stored
 * generation is the one about to be spent (ARGV[2], `''` for none stored). On success the record
 * is marked with ARGV[4], `sending:<until>:<by>` (so that a holder whose lease exists only because
 * this one lapsed waits for its outcome), and the lock is extended to a full lifetime (ARGV[3] ms), so the
 * request that follows has all of it.
 *
 * KEYS[1] = the lock, KEYS[2] = the record; ARGV[1] = the lease's owner token.
 * Returns 1 (go), 0 (the lock is not this lease's any more), -1 (the stored generation differs).
 */
export const CONFIRM = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local stored = redis.call('HGET', KEYS[2], 'generation')
if ARGV[2] == '' then
  if stored then return -1 end
elseif not stored or tonumber(stored) ~= tonumber(ARGV[2]) then
  return -1
end
if stored then redis.call('HSET', KEYS[2], 'spend', ARGV[4]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/**
 * Marks the record's refresh token refused if its generation is still ARGV[1], whoever holds the
 * lock: the other processes then report the lost login without sending it again.
 * KEYS[1] = the record; ARGV[2] = the mark (`refused:<appId>`). Returns 1 when marked, 0 when the
 * record moved on (or is gone).
 */
export const MARK_REFUSED = `
local stored = redis.call('HGET', KEYS[1], 'generation')
if stored and tonumber(stored) == tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'spend', ARGV[2])
  return 1
end
return 0`;

/** Extends the lock if this lease still owns it. KEYS[1] = the lock; ARGV[1] = owner, ARGV[2] = ms. */
export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/**
 * Releases the lock if this lease still owns it (compare-and-delete) and tells the waiters.
 * KEYS[1] = the lock; ARGV[1] = owner, ARGV[2] = the token's events channel.
 */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], 'released')
  return 1
end
return 0`;
