/**
 * Child process entry of the token-manager suite. The fake Twitch runs in THIS process: the hot
 * path needs only its request count, and the simulated day needs its clock to be the manager's.
 *
 * - `hot`: `getAccessToken()` with a fresh token, in tight loops, timed per batch.
 * - `day`: a `ManualClock` shared by the manager and the fake, advanced minute by minute through
 *   simulated days; counts the requests that reach the fake.
 */
import { TokenManager, UserToken } from '../../../../dist/index.js';
import { DEMO_APP, ManualClock, startFakeTwitch } from '../../../../dist/testing/index.js';
import { serveJobs } from '../../lib/worker-ipc.js';

/**
 * @typedef {object} HotJob
 * @property {'hot'} mode
 * @property {number} calls Calls per batch.
 * @property {number} batches Timed batches of each loop.
 */

/**
 * @typedef {object} HotResult ns per call of each timed batch, per loop.
 * @property {number[]} awaited `await manager.getAccessToken()`.
 * @property {number[]} unawaited `manager.getAccessToken()`, the promise dropped.
 * @property {number[]} floor `await Promise.resolve(value)`: what an awaited call costs at the least.
 * @property {number} requestsDuring Requests that reached the fake from the first timed batch to the last.
 * @property {number} requestsAtStart Requests before (the validation `start()` makes).
 * @property {boolean} sameToken Whether every call returned the token the manager was given.
 */

/**
 * @typedef {object} DayJob
 * @property {'day'} mode
 * @property {number} days
 */

/**
 * @typedef {object} DayResult
 * @property {number} days
 * @property {number} lifetimeS The user token lifetime the fake issues.
 * @property {number} marginS The manager's refresh margin (its default).
 * @property {number[]} refreshAtS Simulated seconds from the start of each `/token` request.
 * @property {number[]} validateAtS Same, `/validate`.
 * @property {Record<string, number>} otherRequests Requests to any other endpoint, by `METHOD /endpoint`.
 * @property {number} refreshFailures `onRefreshFailure` calls.
 * @property {number} invalid `onInvalid` calls.
 * @property {number} onRefresh `onRefresh` calls.
 * @property {boolean} tokenValidAtEnd Whether the manager's token was unexpired at the end.
 * @property {number} wallMs Real time the simulated days took.
 */

/** The manager's default refresh margin, in ms (TokenManagerOptions.refreshMarginMs). */
const DEFAULT_MARGIN_MS = 300_000;

const APP = { appId: DEMO_APP.clientId, appSecret: DEMO_APP.clientSecret };

/**
 * @param {import('../../../../dist/testing/index.js').FakeTwitch} fake
 * @param {number} obtainedAt
 */
function freshToken(fake, obtainedAt) {
  const issued = fake.issueUserToken({ scopes: ['chat:read', 'chat:edit'] });
  return new UserToken({
    accessToken: issued.accessToken,
    refreshToken: issued.refreshToken,
    expiresIn: issued.expiresIn,
    scopes: issued.scopes,
    tokenType: 'bearer',
    obtainedAt,
  });
}

/**
 * @param {HotJob} job
 * @returns {Promise<HotResult>}
 */
async function hot(job) {
  const fake = await startFakeTwitch();
  const token = freshToken(fake, Date.now());
  // Started, as a bot would run it: the validation start() makes is done before anything is timed.
  /** @type {() => void} */
  let onValidate = () => undefined;
  const validated = new Promise((resolve) => {
    onValidate = () => {
      resolve(undefined);
    };
  });
  const manager = new TokenManager(APP, token, { authBaseUrl: fake.authBaseUrl, onValidate }).start();
  await validated;
  await manager.settled();
  const requestsAtStart = fake.requests.length;
  const expected = token.accessToken;
  let sameToken = (await manager.getAccessToken()) === expected;

  const { calls } = job;
  const awaitedBatch = async () => {
    let last = '';
    const started = performance.now();
    for (let index = 0; index < calls; index++) last = await manager.getAccessToken();
    const ns = ((performance.now() - started) * 1e6) / calls;
    sameToken &&= last === expected;
    return ns;
  };
  const unawaitedBatch = async () => {
    /** @type {Promise<string> | undefined} */
    let last;
    const started = performance.now();
    for (let index = 0; index < calls; index++) last = manager.getAccessToken();
    const ns = ((performance.now() - started) * 1e6) / calls;
    sameToken &&= (await last) === expected;
    return ns;
  };
  const floorBatch = async () => {
    let last = '';
    const started = performance.now();
    for (let index = 0; index < calls; index++) last = await Promise.resolve(expected);
    const ns = ((performance.now() - started) * 1e6) / calls;
    if (last !== expected) throw new Error('unreachable');
    return ns;
  };

  // One unmeasured batch of each, for the JIT.
  await awaitedBatch();
  await unawaitedBatch();
  await floorBatch();
  if (typeof globalThis.gc === 'function') globalThis.gc();

  const before = fake.requests.length;
  /** @type {HotResult} */
  const result = {
    awaited: [],
    unawaited: [],
    floor: [],
    requestsDuring: 0,
    requestsAtStart,
    sameToken,
  };
  for (let batch = 0; batch < job.batches; batch++) {
    result.awaited.push(await awaitedBatch());
    result.unawaited.push(await unawaitedBatch());
    result.floor.push(await floorBatch());
  }
  result.requestsDuring = fake.requests.length - before;
  result.sameToken = sameToken;
  await manager.stop();
  await fake.close();
  return result;
}

/**
 * @param {DayJob} job
 * @returns {Promise<DayResult>}
 */
async function day(job) {
  const clock = new ManualClock();
  const fake = await startFakeTwitch({ now: () => clock.now() });
  const startedAt = clock.now();
  const token = freshToken(fake, startedAt);
  let refreshFailures = 0;
  let invalid = 0;
  let onRefresh = 0;
  const manager = new TokenManager(APP, token, {
    clock,
    authBaseUrl: fake.authBaseUrl,
    onRefreshFailure: () => {
      refreshFailures += 1;
    },
    onInvalid: () => {
      invalid += 1;
    },
    onRefresh: () => {
      onRefresh += 1;
    },
  });
  fake.clearRecords();
  // Whether start() runs its first validation at once or on a zero-delay timer, it must be over
  // before time moves: else the loop below, finding no timer due, would run the day in microtasks.
  manager.start();
  await manager.settled();
  const wallStart = performance.now();
  const minutes = job.days * 24 * 60;
  for (let minute = 0; minute < minutes; minute++) await clock.advance(60_000, () => manager.settled());
  const wallMs = performance.now() - wallStart;
  await manager.stop();

  /** @param {string} endpoint */
  const offsets = (endpoint) => fake.requestsTo(endpoint).map((r) => (r.receivedAt - startedAt) / 1000);
  /** @type {Record<string, number>} */
  const otherRequests = {};
  for (const r of fake.requests) {
    if (r.endpoint === '/token' || r.endpoint === '/validate') continue;
    const key = `${r.method} ${r.endpoint}`;
    otherRequests[key] = (otherRequests[key] ?? 0) + 1;
  }
  const current = manager.token;
  const result = {
    days: job.days,
    lifetimeS: token.expiresIn,
    marginS: DEFAULT_MARGIN_MS / 1000,
    refreshAtS: offsets('/token'),
    validateAtS: offsets('/validate'),
    otherRequests,
    refreshFailures,
    invalid,
    onRefresh,
    tokenValidAtEnd: current !== undefined && !current.isExpired(0, clock.now()),
    wallMs,
  };
  await fake.close();
  return result;
}

serveJobs((/** @type {HotJob | DayJob} */ job) => (job.mode === 'hot' ? hot(job) : day(job)));
