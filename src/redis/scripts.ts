// Lua scripts run atomically by Redis: each is one step no other client can interleave with.

/**
 * Writes the token only if its version is still the one read under the lock, then bumps the
 * version. A process whose lock lapsed (it was paused, say) finds the version moved on and cannot
 * overwrite the newer token. Waiters are told at the release, not here: woken now they would find
 * the lock still held. ARGV[1] = expected version ('' for none), ARGV[2] = the value. Returns the
 * new version, or -1 when refused.
 */
export const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[2])
if (current or '') ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[1], ARGV[2])
return redis.call('INCR', KEYS[2])`;

/** Writes the token whatever the version (`set()`), bumps the version, tells the waiters. */
export const FORCE_SET = `
redis.call('SET', KEYS[1], ARGV[1])
local version = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', KEYS[3], 'stored')
return version`;

/** Releases the lock if this process still owns it (compare-and-delete), and tells the waiters. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', KEYS[2], 'released')
  return 1
end
return 0`;

/** Extends the lock if this process still owns it. ARGV[2] = the new time to live in ms. */
export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
