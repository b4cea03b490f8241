/**
 * Child process entry of the redis suite: one bot replica, a `TokenManager` on a `RedisTokenStore`
 * (and, for comparison, one on a `MemoryTokenStore`). When it hosts the fake Twitch, the fake runs
 * in THIS process, as in the token-manager suite.
 *
 * Jobs:
 * - `hot`: `getAccessToken()` with a fresh token through each store, timed per batch, with the
 *   server's `INFO commandstats` read before the first timed batch and after the last.
 * - `setup`: connects (to a standalone server or a cluster), starts the fake (or uses another
 *   worker's), creates the managers.
 * - `refresh`: one `manager.refresh()`, timed; can make the fake hold the `/token` answer and tell
 *   the parent (an event) when the request has arrived, i.e. while this process holds the lock.
 * - `updates`: store cycles (lock, read, confirm, writeIfNewer one generation up, release; no
 *   HTTP), through a RedisTokenStore and a MemoryTokenStore, interleaved and timed: the store's own cost.
 * - `ping`: Redis round trips (`PING`) from this process, timed, back to back and after a pause.
 * - `state`: the fake's `/token` count. `close`: ends everything.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { MemoryTokenStore, TokenManager, UserToken } from '../../../../dist/index.js';
import { RedisTokenStore } from '../../../../dist/redis/index.js';
import { DEMO_APP, startFakeTwitch } from '../../../../dist/testing/index.js';
import { sendEvent, serveJobs } from '../../lib/worker-ipc.js';
import { commandStats, commandsBetween, connectCluster, connectRedis } from './redis-tools.js';

/** Keys of the suite's tokens start with this. */
const KEY_PREFIX = 'bench:';
/** A confidential app: its refresh tokens can be used again, so every refresh can be repeated. */
const APP = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret ?? '' };
const SCOPES = ['chat:read', 'chat:edit'];

/** @typedef {import('ioredis').Redis} Redis */
/** @typedef {import('../../../../dist/testing/index.js').FakeTwitch} FakeTwitch */

/**
 * @typedef {object} HotJob
 * @property {'hot'} op
 * @property {string} redisUrl
 * @property {string} key
 * @property {number} calls Calls per batch.
 * @property {number} batches Timed batches of each loop.
 */

/**
 * @typedef {object} HotResult ns per call of each timed batch, per loop.
 * @property {number[]} redis `await manager.getAccessToken()`, the manager on a RedisTokenStore.
 * @property {number[]} memory The same on a MemoryTokenStore.
 * @property {number[]} floor `await Promise.resolve(value)`.
 * @property {Record<string, number>} commandsDuring Commands the server ran during the timed batches, by name (INFO excluded).
 * @property {number} commandsTotal Their sum.
 * @property {Record<string, number>} commandsAtStart Commands from the store's creation to the first validation's end (the manager's first write).
 * @property {boolean} sameToken Whether every call returned the manager's token.
 */

/**
 * @typedef {object} ManagerSpec
 * @property {string} name
 * @property {'redis' | 'memory'} store
 * @property {string} [key] The store's key (redis).
 * @property {number} [lockTtlMs] RedisTokenStore's lockTtlMs; its default when left out.
 * @property {boolean} [fromStore] Load the token from the store rather than mint one.
 */

/**
 * @typedef {object} SetupJob
 * @property {'setup'} op
 * @property {string} redisUrl
 * @property {{ host: string, port: number }[]} [clusterNodes] A Redis Cluster instead (its startup nodes).
 * @property {string} connectionName
 * @property {boolean} hostFake Start the fake in this process.
 * @property {string} [authBaseUrl] Another worker's fake, when not hosting one.
 * @property {ManagerSpec[]} managers
 */

/**
 * @typedef {object} RefreshJob
 * @property {'refresh'} op
 * @property {string} name Which manager.
 * @property {boolean} [rejected] Pass the current access token as the rejected one (as after a Helix 401).
 * @property {number} [holdMs] Make the fake hold the `/token` answer this long.
 * @property {boolean} [notify] Send `{ type: 'holding' }` when the `/token` request reaches the fake.
 */

/**
 * @typedef {object} RefreshResult
 * @property {number} ms `manager.refresh()`: call → resolve.
 * @property {number} startEpochMs `performance.timeOrigin + performance.now()` at the call.
 * @property {number} endEpochMs Same, at the resolve.
 * @property {string} before The access token before.
 * @property {string} after The access token after.
 * @property {{ name: string, us: number }[]} commands This process's commands during the refresh, each timed
 *   from `sendCommand` to its reply (the pub/sub connection's not included).
 */

/** @type {FakeTwitch | undefined} */
let fake;
/** @type {Redis | import('ioredis').Cluster | undefined} */
let redis;
/** @type {Map<string, { manager: TokenManager, store: RedisTokenStore | MemoryTokenStore }>} */
const managers = new Map();
/** Whether the next `/token` request at the fake sends the `holding` event. */
let notifyOnToken = false;
/** The commands this process's connection sent during the current refresh job, timed client-side. */
/** @type {{ name: string, us: number }[]} */
const commandLog = [];

/**
 * Times every command of a client, from ioredis's `sendCommand` to its reply (what one round trip
 * costs the caller), into `commandLog`. A `performance.now()` and a `then` per command.
 * @param {Redis | import('ioredis').Cluster} client
 */
function timeCommands(client) {
  const send = /** @type {Redis['sendCommand']} */ (client.sendCommand.bind(client));
  client.sendCommand = (/** @type {Parameters<Redis['sendCommand']>} */ ...args) => {
    const [command] = args;
    const begun = performance.now();
    const result = send(...args);
    command.promise.then(
      () => {
        commandLog.push({ name: command.name, us: (performance.now() - begun) * 1000 });
      },
      () => undefined,
    );
    return result;
  };
}

// The fake's server is the only node:http server in this process.
diagnosticsChannel.subscribe('http.server.request.start', (message) => {
  const { request } = /** @type {{ request: import('node:http').IncomingMessage }} */ (message);
  if (notifyOnToken && (request.url ?? '').includes('/token')) {
    notifyOnToken = false;
    sendEvent({ type: 'holding' });
  }
});

/** @param {FakeTwitch} server */
function mintToken(server) {
  return server.issueUserToken({ scopes: SCOPES });
}

/**
 * @param {HotJob} job
 * @returns {Promise<HotResult>}
 */
async function hot(job) {
  const server = await startFakeTwitch();
  const probe = await connectRedis(job.redisUrl, 'bench-hot-probe');
  const atStart = await commandStats(probe);
  const client = await connectRedis(job.redisUrl, 'bench-hot');
  const store = new RedisTokenStore({ redis: client, keyPrefix: KEY_PREFIX });

  /** @param {import('../../../../dist/index.js').TokenStore} tokenStore @param {string} key */
  const started = async (tokenStore, key) => {
    /** @type {() => void} */
    let onValidate = () => undefined;
    const validated = new Promise((resolve) => {
      onValidate = () => {
        resolve(undefined);
      };
    });
    const token = mintToken(server);
    const manager = new TokenManager(APP, token, {
      store: tokenStore,
      key,
      authBaseUrl: server.authBaseUrl,
      onValidate,
    }).start();
    await validated;
    await manager.settled();
    return { manager, expected: token.accessToken };
  };
  const onRedis = await started(store, job.key);
  const startUp = await commandStats(probe);
  const onMemory = await started(new MemoryTokenStore(), job.key);

  let sameToken =
    (await onRedis.manager.getAccessToken()) === onRedis.expected &&
    (await onMemory.manager.getAccessToken()) === onMemory.expected;
  const { calls } = job;
  /** @param {{ manager: TokenManager, expected: string }} subject */
  const awaitedBatch = async ({ manager, expected }) => {
    let last = '';
    const begun = performance.now();
    for (let index = 0; index < calls; index++) last = await manager.getAccessToken();
    const ns = ((performance.now() - begun) * 1e6) / calls;
    sameToken &&= last === expected;
    return ns;
  };
  const floorBatch = async () => {
    const value = onRedis.expected;
    let last = '';
    const begun = performance.now();
    for (let index = 0; index < calls; index++) last = await Promise.resolve(value);
    const ns = ((performance.now() - begun) * 1e6) / calls;
    if (last !== value) throw new Error('unreachable');
    return ns;
  };

  // One unmeasured batch of each, for the JIT.
  await awaitedBatch(onRedis);
  await awaitedBatch(onMemory);
  await floorBatch();
  if (typeof globalThis.gc === 'function') globalThis.gc();

  const before = await commandStats(probe);
  /** @type {number[]} */ const onRedisNs = [];
  /** @type {number[]} */ const onMemoryNs = [];
  /** @type {number[]} */ const floorNs = [];
  for (let batch = 0; batch < job.batches; batch++) {
    // Alternate which store goes first, so neither always follows the floor loop.
    if (batch % 2 === 0) {
      onRedisNs.push(await awaitedBatch(onRedis));
      onMemoryNs.push(await awaitedBatch(onMemory));
    } else {
      onMemoryNs.push(await awaitedBatch(onMemory));
      onRedisNs.push(await awaitedBatch(onRedis));
    }
    floorNs.push(await floorBatch());
  }
  const after = await commandStats(probe);
  const during = commandsBetween(before, after);
  const setup = commandsBetween(atStart, startUp);

  await onRedis.manager.stop();
  await onMemory.manager.stop();
  await store.close();
  client.disconnect();
  probe.disconnect();
  await server.close();
  return {
    redis: onRedisNs,
    memory: onMemoryNs,
    floor: floorNs,
    commandsDuring: during.counts,
    commandsTotal: during.total,
    commandsAtStart: setup.counts,
    sameToken,
  };
}

/**
 * @param {SetupJob} job
 * @returns {Promise<{ authBaseUrl: string }>}
 */
async function setup(job) {
  if (job.hostFake) fake = await startFakeTwitch();
  const authBaseUrl = fake?.authBaseUrl ?? job.authBaseUrl;
  if (authBaseUrl === undefined) throw new Error('setup: no fake to use');
  redis =
    job.clusterNodes === undefined
      ? await connectRedis(job.redisUrl, job.connectionName)
      : await connectCluster(job.clusterNodes, job.connectionName);
  timeCommands(redis);
  for (const spec of job.managers) {
    const store =
      spec.store === 'memory'
        ? new MemoryTokenStore()
        : new RedisTokenStore({
            redis,
            keyPrefix: KEY_PREFIX,
            ...(spec.lockTtlMs === undefined ? {} : { lockTtlMs: spec.lockTtlMs }),
          });
    if (spec.fromStore !== true && fake === undefined) throw new Error('setup: minting a token needs the fake here');
    const token = spec.fromStore === true || fake === undefined ? undefined : mintToken(fake);
    // Not started: no timers, so the only store traffic is what refresh() causes.
    const manager = new TokenManager(APP, token, { store, key: spec.key ?? spec.name, authBaseUrl });
    if (token === undefined) await manager.getAccessToken();
    else await manager.flush();
    managers.set(spec.name, { manager, store });
  }
  return { authBaseUrl };
}

/**
 * @param {RefreshJob} job
 * @returns {Promise<RefreshResult>}
 */
async function refresh(job) {
  const entry = managers.get(job.name);
  if (entry === undefined) throw new Error(`refresh: no manager ${job.name}`);
  const before = (await entry.manager.getToken()).accessToken;
  if (job.holdMs !== undefined && job.holdMs > 0) {
    if (fake === undefined) throw new Error('refresh: holdMs needs the fake in this process');
    fake.injectFault({ endpoint: '/token', delayMs: job.holdMs, times: 1 });
  }
  notifyOnToken = job.notify === true;
  commandLog.length = 0;
  const startedAt = performance.now();
  const token = await entry.manager.refresh(job.rejected === true ? before : undefined);
  const endedAt = performance.now();
  notifyOnToken = false;
  fake?.clearFaults();
  return {
    ms: endedAt - startedAt,
    startEpochMs: performance.timeOrigin + startedAt,
    endEpochMs: performance.timeOrigin + endedAt,
    before,
    after: token.accessToken,
    commands: commandLog.splice(0),
  };
}

/**
 * One store cycle: the refresh protocol with a new token at once instead of the HTTP call.
 * @param {import('../../../../dist/index.js').TokenStore} store
 * @param {string} key
 */
async function storeCycle(store, key) {
  const lease = await store.lock(key);
  try {
    const current = await store.read(key);
    if (current === undefined) throw new Error('updates: no token stored');
    if (!(await lease.confirm(current.generation))) throw new Error('updates: not confirmed');
    const next = new UserToken({ ...current.token.toJSON(), obtainedAt: Date.now() });
    await store.writeIfNewer(key, { token: next, generation: current.generation + 1 });
  } finally {
    await lease.release();
  }
}

/**
 * @param {{ count: number, warmup: number }} job
 * @returns {Promise<{ redis: number[], memory: number[] }>} ms per store cycle.
 */
async function updates(job) {
  if (redis === undefined || fake === undefined) throw new Error('updates: not set up with the fake');
  const key = 'updates';
  const stores = { redis: new RedisTokenStore({ redis, keyPrefix: KEY_PREFIX }), memory: new MemoryTokenStore() };
  /** @type {{ redis: number[], memory: number[] }} */
  const times = { redis: [], memory: [] };
  const token = mintToken(fake);
  await stores.redis.writeIfNewer(key, { token, generation: 1 });
  await stores.memory.writeIfNewer(key, { token, generation: 1 });
  for (let index = 0; index < job.warmup + job.count; index++) {
    for (const name of /** @type {const} */ (index % 2 === 0 ? ['redis', 'memory'] : ['memory', 'redis'])) {
      const startedAt = performance.now();
      await storeCycle(stores[name], key);
      const ms = performance.now() - startedAt;
      if (index >= job.warmup) times[name].push(ms);
    }
  }
  await stores.redis.close();
  return times;
}

/**
 * @param {{ count: number }} job
 * @returns {Promise<{ busy: number[], idle: number[] }>} µs per PING: right after another one, and
 *   after 1 ms with nothing sent (as between a refresh's commands, which wait for HTTP).
 */
async function ping(job) {
  if (redis === undefined) throw new Error('ping: not set up');
  /** @type {{ busy: number[], idle: number[] }} */
  const times = { busy: [], idle: [] };
  for (let index = 0; index < job.count; index++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    let begun = performance.now();
    await redis.ping();
    times.idle.push((performance.now() - begun) * 1000);
    begun = performance.now();
    await redis.ping();
    times.busy.push((performance.now() - begun) * 1000);
  }
  return times;
}

async function close() {
  for (const { manager, store } of managers.values()) {
    await manager.stop();
    if (store instanceof RedisTokenStore) await store.close();
  }
  managers.clear();
  redis?.disconnect();
  await fake?.close();
  return null;
}

serveJobs((/** @type {{ op: string } & Record<string, any>} */ job) => {
  switch (job.op) {
    case 'hot':
      return hot(/** @type {HotJob} */ (job));
    case 'setup':
      return setup(/** @type {SetupJob} */ (job));
    case 'refresh':
      return refresh(/** @type {RefreshJob} */ (job));
    case 'updates':
      return updates(/** @type {{ count: number, warmup: number }} */ (job));
    case 'ping':
      return ping(/** @type {{ count: number }} */ (job));
    case 'state':
      return Promise.resolve({ tokenRequests: fake?.requestsTo('/token').length ?? null });
    case 'close':
      return close();
    default:
      return Promise.reject(new Error(`unknown job ${job.op}`));
  }
});
