/**
 * Benchmark settings, read from environment variables so a run can be shortened (CI smoke runs)
 * or lengthened (publishing figures) without editing code.
 */

/**
 * @param {string} name
 * @param {number} fallback
 * @returns {number}
 */
function intFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`${name} must be a whole number >= 0; got ${raw}`);
  return value;
}

/**
 * @param {string} name
 * @param {string[] | undefined} fallback
 * @returns {string[] | undefined}
 */
function listFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * @typedef {object} BenchConfig
 * @property {number} calls Measured calls per cell and round (BENCH_CALLS).
 * @property {number} prime Unmeasured calls a client's worker makes first, to settle its JIT (BENCH_PRIME).
 * @property {number} warmup Unmeasured calls before each cell's, same concurrency (BENCH_WARMUP).
 * @property {number} rounds Fresh-process repetitions of every cell; figures are medians (BENCH_ROUNDS).
 * @property {number[]} concurrency Concurrency levels (BENCH_CONCURRENCY, e.g. `1,64`).
 * @property {number} memoryCalls Calls before the last RSS reading (BENCH_MEMORY_CALLS).
 * @property {number} memoryCheckpoint Calls before the first RSS reading after the start (BENCH_MEMORY_CHECKPOINT).
 * @property {number} memoryConcurrency Concurrency of the memory run (BENCH_MEMORY_CONCURRENCY).
 * @property {number} importRuns Fresh `node` processes per package for import times (BENCH_IMPORT_RUNS).
 * @property {number} coldRounds Rounds of the cold-start suite, each a fresh process per client (BENCH_COLD_ROUNDS).
 * @property {number} logins Measured logins per round of the login suite (BENCH_LOGINS).
 * @property {number} loginWarmup Unmeasured logins before them, in the same process (BENCH_LOGIN_WARMUP).
 * @property {number} loginRounds Fresh worker processes of the login suite; figures pool them (BENCH_LOGIN_ROUNDS).
 * @property {number} hotCalls `getAccessToken()` calls per timed batch of the token-manager hot path (BENCH_HOT_CALLS).
 * @property {number} hotBatches Timed batches per round of each hot-path loop; figures are medians (BENCH_HOT_BATCHES).
 * @property {number} hotRounds Fresh worker processes of the hot path (BENCH_HOT_ROUNDS).
 * @property {number} simDays Simulated days of the token-manager's request count (BENCH_SIM_DAYS).
 * @property {number} redisHotCalls `getAccessToken()` calls per timed batch of the redis suite's hot path (BENCH_REDIS_HOT_CALLS).
 * @property {number} redisHotBatches Timed batches per round of each of its loops; figures are medians (BENCH_REDIS_HOT_BATCHES).
 * @property {number} redisHotRounds Fresh worker processes of the redis suite's hot path (BENCH_REDIS_HOT_ROUNDS).
 * @property {number} redisRefreshes Timed `manager.refresh()` calls through each store, RedisTokenStore and
 *   MemoryTokenStore, interleaved; figures are medians (BENCH_REDIS_REFRESHES).
 * @property {number} redisRefreshWarmup Unmeasured refreshes through each store first (BENCH_REDIS_REFRESH_WARMUP).
 * @property {number} redisMonitored Refreshes under `MONITOR`, for the round trips by connection (BENCH_REDIS_MONITORED).
 * @property {number} redisWaits Refreshes with a second process waiting for the lock (BENCH_REDIS_WAITS).
 * @property {number} redisHoldMs How long the fake holds the refresher's `/token` answer while the second
 *   process waits, in ms (BENCH_REDIS_HOLD_MS).
 * @property {number} redisSlowRefreshes Slow refreshes (the answer held past the lock's renewal interval) (BENCH_REDIS_SLOW_REFRESHES).
 * @property {number[]} manyUsers User counts of the many-users suite's at-rest figures (BENCH_MANY_USERS, e.g. `10000,100000`).
 * @property {number} manyBurstUsers Stored users of the many-users suite's start-up burst (BENCH_MANY_BURST_USERS).
 * @property {number} manyBurstRounds Fresh-process repetitions of each burst; figures are medians (BENCH_MANY_BURST_ROUNDS).
 * @property {string[] | undefined} suites Suites to run (BENCH_SUITES); all when undefined.
 * @property {string[] | undefined} clients Clients of the http-clients suite (BENCH_CLIENTS); all when undefined.
 */

/** @returns {BenchConfig} */
export function readConfig() {
  const concurrency = (listFromEnv('BENCH_CONCURRENCY', ['1', '64']) ?? []).map((item) => {
    const value = Number(item);
    if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`BENCH_CONCURRENCY: bad level ${item}`);
    return value;
  });
  const manyUsers = (listFromEnv('BENCH_MANY_USERS', ['10000', '100000']) ?? []).map((item) => {
    const value = Number(item);
    if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`BENCH_MANY_USERS: bad count ${item}`);
    return value;
  });
  const config = {
    calls: intFromEnv('BENCH_CALLS', 600),
    prime: intFromEnv('BENCH_PRIME', 5000),
    warmup: intFromEnv('BENCH_WARMUP', 100),
    rounds: Math.max(1, intFromEnv('BENCH_ROUNDS', 20)),
    concurrency,
    memoryCalls: intFromEnv('BENCH_MEMORY_CALLS', 10_000),
    memoryCheckpoint: intFromEnv('BENCH_MEMORY_CHECKPOINT', 2000),
    memoryConcurrency: Math.max(1, intFromEnv('BENCH_MEMORY_CONCURRENCY', 16)),
    importRuns: Math.max(1, intFromEnv('BENCH_IMPORT_RUNS', 7)),
    coldRounds: Math.max(1, intFromEnv('BENCH_COLD_ROUNDS', 20)),
    logins: intFromEnv('BENCH_LOGINS', 200),
    loginWarmup: intFromEnv('BENCH_LOGIN_WARMUP', 30),
    loginRounds: Math.max(1, intFromEnv('BENCH_LOGIN_ROUNDS', 3)),
    hotCalls: intFromEnv('BENCH_HOT_CALLS', 1_000_000),
    hotBatches: Math.max(1, intFromEnv('BENCH_HOT_BATCHES', 7)),
    hotRounds: Math.max(1, intFromEnv('BENCH_HOT_ROUNDS', 3)),
    simDays: Math.max(1, intFromEnv('BENCH_SIM_DAYS', 1)),
    redisHotCalls: intFromEnv('BENCH_REDIS_HOT_CALLS', 1_000_000),
    redisHotBatches: Math.max(1, intFromEnv('BENCH_REDIS_HOT_BATCHES', 5)),
    redisHotRounds: Math.max(1, intFromEnv('BENCH_REDIS_HOT_ROUNDS', 3)),
    redisRefreshes: intFromEnv('BENCH_REDIS_REFRESHES', 200),
    redisRefreshWarmup: intFromEnv('BENCH_REDIS_REFRESH_WARMUP', 20),
    redisMonitored: intFromEnv('BENCH_REDIS_MONITORED', 20),
    redisWaits: intFromEnv('BENCH_REDIS_WAITS', 30),
    redisHoldMs: Math.max(1, intFromEnv('BENCH_REDIS_HOLD_MS', 20)),
    redisSlowRefreshes: intFromEnv('BENCH_REDIS_SLOW_REFRESHES', 3),
    manyUsers,
    manyBurstUsers: intFromEnv('BENCH_MANY_BURST_USERS', 10_000),
    manyBurstRounds: Math.max(1, intFromEnv('BENCH_MANY_BURST_ROUNDS', 3)),
    suites: listFromEnv('BENCH_SUITES', undefined),
    clients: listFromEnv('BENCH_CLIENTS', undefined),
  };
  if (config.calls < 1) throw new TypeError('BENCH_CALLS must be at least 1');
  if (config.logins < 1) throw new TypeError('BENCH_LOGINS must be at least 1');
  if (config.hotCalls < 1) throw new TypeError('BENCH_HOT_CALLS must be at least 1');
  if (config.redisHotCalls < 1) throw new TypeError('BENCH_REDIS_HOT_CALLS must be at least 1');
  if (config.redisRefreshes < 1) throw new TypeError('BENCH_REDIS_REFRESHES must be at least 1');
  if (config.redisMonitored < 1) throw new TypeError('BENCH_REDIS_MONITORED must be at least 1');
  if (config.redisWaits < 1) throw new TypeError('BENCH_REDIS_WAITS must be at least 1');
  if (config.manyBurstUsers < 1) throw new TypeError('BENCH_MANY_BURST_USERS must be at least 1');
  if (config.memoryCheckpoint > config.memoryCalls) {
    throw new TypeError('BENCH_MEMORY_CHECKPOINT must not exceed BENCH_MEMORY_CALLS');
  }
  return config;
}
