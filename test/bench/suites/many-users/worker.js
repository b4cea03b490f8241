/**
 * Child process entry of the many-users suite: one holder of many user tokens per process.
 *
 * Holders: `pool` (one TokenPool, when the build has it), `managers` (one TokenManager per user),
 * `twurple` (one RefreshingAuthProvider from @twurple/auth with every user), and `tokens` (the
 * UserTokens alone in an array: what any holder must keep at the least).
 *
 * - `heap`: the holder with N users at rest (no request is due), after forced GCs: heap bytes per
 *   user, live timers (set through the global timer functions, unref'd ones included), requests
 *   sent while building and while resting.
 * - `burst`: N users whose tokens the fake Twitch (the run's shared fake process) issued, started
 *   as a bot starts after a restart; measures until every user is validated: wall time, requests
 *   in flight at most (undici's diagnostics channels, in this process: issued and not yet
 *   answered), and the connections the fake saw opened.
 */
import { randomBytes } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import * as lib from '../../../../dist/index.js';
import { fakeCall, serveJobs } from '../../lib/worker-ipc.js';

/** @typedef {'pool' | 'managers' | 'twurple' | 'tokens'} Holder */
/** @typedef {'scheduling' | 'request' | 'undici' | 'other'} TimerKind */

/**
 * @typedef {object} HeapJob
 * @property {'heap'} mode
 * @property {Holder} holder
 * @property {number} users
 */

/**
 * @typedef {object} HeapResult
 * @property {Holder} holder
 * @property {number} users
 * @property {number} bytesPerUser Heap growth (after GC) divided by the users.
 * @property {number} heapBytes The heap growth itself.
 * @property {Record<TimerKind, number>} timers Pending timers at rest, by kind (see timerCounter).
 * @property {number} requestsBuilding HTTP requests issued while adding and starting the users (the pool's start-up validations).
 * @property {number} requestsResting HTTP requests issued while resting.
 * @property {number} restMs How long the holder rested before the reading.
 * @property {number} buildMs How long adding the users took.
 */

/**
 * @typedef {object} BurstJob
 * @property {'burst'} mode
 * @property {Exclude<Holder, 'tokens'>} holder
 * @property {number} users
 */

/**
 * @typedef {object} BurstResult
 * @property {Holder} holder
 * @property {number} users
 * @property {number} wallMs From the start until every user was validated (or failed).
 * @property {number} validated Users validated.
 * @property {number} failures Validations that failed.
 * @property {number} requests Requests the fake received.
 * @property {number} connections Connections the fake saw opened.
 * @property {number} peakInFlight Requests issued and not yet answered at most, in this process.
 * @property {Record<string, number>} requestsByEndpoint Requests issued in this process, by `METHOD /path`.
 * @property {number} requestErrors Requests that ended in an error (timeout, reset) in this process; retried ones among them.
 * @property {string} note What the holder does at start.
 */

const APP_SCOPES = ['chat:read', 'chat:edit'];
/** Twitch's user token lifetime in the fake: fresh for hours, so nothing is refreshed. */
const LIFETIME_S = 14_124;
/** How long the holder sits with nothing due before the heap is read. */
const REST_MS = 500;
/** The same, for a holder that validated at start: past the fake's 5 s keep-alive. */
const POOL_REST_MS = 8000;

/** Counts the HTTP requests issued by either undici (npm's, and Node's behind the global fetch). */
function requestCounter() {
  let issued = 0;
  let inFlight = 0;
  let peak = 0;
  let errors = 0;
  /** @type {Record<string, number>} */
  const byEndpoint = {};
  const onCreate = (/** @type {any} */ message) => {
    const request = /** @type {{ method?: string, path?: string } | undefined} */ (message?.request);
    const key = `${request?.method ?? '?'} ${(request?.path ?? '?').split('?')[0] ?? '?'}`;
    byEndpoint[key] = (byEndpoint[key] ?? 0) + 1;
    issued += 1;
    inFlight += 1;
    peak = Math.max(peak, inFlight);
  };
  const onDone = () => {
    inFlight -= 1;
  };
  const onError = () => {
    inFlight -= 1;
    errors += 1;
  };
  diagnostics.subscribe('undici:request:create', onCreate);
  diagnostics.subscribe('undici:request:trailers', onDone);
  diagnostics.subscribe('undici:request:error', onError);
  return {
    get issued() {
      return issued;
    },
    get peak() {
      return peak;
    },
    get errors() {
      return errors;
    },
    get byEndpoint() {
      return byEndpoint;
    },
    close() {
      diagnostics.unsubscribe('undici:request:create', onCreate);
      diagnostics.unsubscribe('undici:request:trailers', onDone);
      diagnostics.unsubscribe('undici:request:error', onError);
    },
  };
}

/** Where a timer was set from, by its stack. @param {string} stack */
function timerKind(stack) {
  if (stack.includes('/dist/manager/') || stack.includes('/dist/lifecycle/')) return 'scheduling';
  if (stack.includes('/dist/http/')) return 'request';
  if (stack.includes('undici')) return 'undici';
  return 'other';
}

/**
 * Pending timers set through the global `setTimeout`/`setInterval` (which the library, twurple and
 * undici use), ref'd or not, by kind: the holder's scheduling (the library's clock), a request's
 * deadline (a request in flight), undici's connection timers, other. `process.getActiveResourcesInfo()`
 * skips unref'd timers, and async_hooks would track every promise too, which costs heap of its own.
 * Fired and cleared timers are dropped in sweeps, so the counter holds on to nothing for long.
 */
function timerCounter() {
  /** @type {Record<TimerKind, Set<NodeJS.Timeout>>} */
  const live = { scheduling: new Set(), request: new Set(), undici: new Set(), other: new Set() };
  const original = { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval };
  let sweepAbove = 1024;
  const size = () => Object.values(live).reduce((sum, set) => sum + set.size, 0);
  const sweep = () => {
    for (const set of Object.values(live)) {
      // `_destroyed`: Node's own mark of a timer that fired (once) or was cleared.
      for (const timer of set)
        if (/** @type {{ _destroyed?: boolean }} */ (/** @type {unknown} */ (timer))._destroyed) set.delete(timer);
    }
    sweepAbove = Math.max(1024, size() * 2);
  };
  const track = (/** @type {NodeJS.Timeout} */ timer) => {
    live[timerKind(new Error().stack ?? '')].add(timer);
    if (size() > sweepAbove) sweep();
    return timer;
  };
  const wrapped = {
    setTimeout: Object.assign(
      (/** @type {Parameters<typeof setTimeout>} */ ...args) => track(original.setTimeout(...args)),
      original.setTimeout,
    ),
    setInterval: Object.assign(
      (/** @type {Parameters<typeof setInterval>} */ ...args) => track(original.setInterval(...args)),
      original.setInterval,
    ),
  };
  Object.assign(globalThis, wrapped);
  return {
    /** @returns {Record<TimerKind, number>} */
    counts() {
      sweep();
      return {
        scheduling: live.scheduling.size,
        request: live.request.size,
        undici: live.undici.size,
        other: live.other.size,
      };
    },
    close() {
      Object.assign(globalThis, original);
    },
  };
}

function gcHeap() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
  for (let round = 0; round < 4; round++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** A token as Twitch issues one: 30 lower-case letters and digits each. */
function syntheticToken() {
  return new lib.UserToken({
    accessToken: randomBytes(15).toString('hex'),
    refreshToken: randomBytes(25).toString('hex'),
    expiresIn: LIFETIME_S,
    scopes: APP_SCOPES,
    tokenType: 'bearer',
    obtainedAt: Date.now(),
  });
}

/** twurple's AccessToken shape of a token. */
function twurpleToken(/** @type {import('../../../../dist/index.js').UserToken} */ token) {
  return {
    accessToken: token.accessToken,
    refreshToken: token.refreshToken,
    scope: [...token.scopes],
    expiresIn: token.expiresIn,
    obtainmentTimestamp: token.obtainedAt,
  };
}

const APP = { appId: 'hof5gwx0su6owfnys0yan9c87zr6t', appSecret: '41vpdji4e9gif29md0ouet6fktd2' };
/** Nothing listens here: a request sent by mistake fails, and is counted. */
const NOWHERE = 'http://127.0.0.1:9/oauth2';

/**
 * @param {HeapJob} job
 * @returns {Promise<HeapResult>}
 */
async function heap(job) {
  // Load everything the holder needs before the first reading.
  const { RefreshingAuthProvider } = job.holder === 'twurple' ? await import('@twurple/auth') : {};
  const issued = job.holder === 'pool' ? await issueTokens(job.users) : undefined;
  const requests = requestCounter();
  const timers = timerCounter();
  /** @type {unknown[]} */
  const keep = [];
  const before = gcHeap();
  const started = performance.now();
  /** @type {(() => Promise<void>) | undefined} */
  let stop;

  if (job.holder === 'tokens') {
    for (let user = 0; user < job.users; user++) keep.push(syntheticToken());
  } else if (job.holder === 'managers') {
    const now = Date.now();
    for (let user = 0; user < job.users; user++) {
      const manager = new lib.TokenManager(APP, syntheticToken(), {
        key: String(100_000_000 + user),
        authBaseUrl: NOWHERE,
      });
      // Validated just now (as after a start-up validation): nothing is due for an hour.
      manager.start({ validatedAt: now });
      keep.push(manager);
    }
    stop = async () => {
      await Promise.all(
        keep.map((manager) => /** @type {import('../../../../dist/index.js').TokenManager} */ (manager).stop()),
      );
    };
  } else if (job.holder === 'twurple') {
    const provider = new RefreshingAuthProvider({ clientId: APP.appId, clientSecret: APP.appSecret });
    for (let user = 0; user < job.users; user++)
      provider.addUser(String(100_000_000 + user), twurpleToken(syntheticToken()));
    keep.push(provider);
  } else {
    const pool = await startedPool(/** @type {IssuedTokens} */ (issued));
    keep.push(pool);
    stop = async () => {
      await pool.stop();
    };
  }
  const buildMs = performance.now() - started;
  const sentBuilding = requests.issued;
  // A holder that talked to Twitch rests until the idle keep-alive connections (and their timers)
  // are closed (the fake closes them after 5 s), so that only the holder's own timers are counted.
  await sleep(job.holder === 'pool' ? POOL_REST_MS : REST_MS);
  const after = gcHeap();
  const live = timers.counts();
  timers.close();
  const sentResting = requests.issued - sentBuilding;
  requests.close();
  await stop?.();
  return {
    holder: job.holder,
    users: job.users,
    bytesPerUser: (after - before) / job.users,
    heapBytes: after - before,
    timers: live,
    requestsBuilding: sentBuilding,
    requestsResting: sentResting,
    restMs: job.holder === 'pool' ? POOL_REST_MS : REST_MS,
    buildMs,
  };
}

/**
 * @typedef {object} IssuedTokens Tokens the fake issued, kept outside the V8 heap until they are used.
 * @property {Buffer} json One token's JSON fields per line, each with its `userId`.
 * @property {import('../../lib/fake-process.js').FakeTarget} target
 */

/**
 * A fresh fake with `count` users, a token issued to each, and undici loaded by one validation:
 * all before the heap's first reading. The tokens wait as bytes in a Buffer (not on the heap), so
 * the holder's reading counts their strings as the other holders' readings do.
 * @param {number} count
 * @returns {Promise<IssuedTokens>}
 */
async function issueTokens(count) {
  const users = Array.from({ length: count }, (_, index) => ({
    id: String(200_000_000 + index),
    login: `user${String(index)}`,
  }));
  /** @type {import('../../lib/fake-process.js').FakeTarget} */
  const target = await fakeCall('reset', { users });
  /** @type {string[]} */
  const lines = [];
  const CHUNK = 1000;
  for (let from = 0; from < users.length; from += CHUNK) {
    const issued = await Promise.all(
      users
        .slice(from, from + CHUNK)
        .map((user) => fakeCall('issueUserToken', { clientId: target.clientId, userId: user.id, scopes: APP_SCOPES })),
    );
    issued.forEach((fields, index) => lines.push(JSON.stringify({ ...fields, userId: users[from + index]?.id })));
  }
  const first = /** @type {{ accessToken: string }} */ (JSON.parse(lines[0] ?? '{}'));
  await lib.validateToken(first.accessToken, { authBaseUrl: target.authBaseUrl });
  return { json: Buffer.from(lines.join('\n')), target };
}

/** @param {IssuedTokens} issued */
function* tokensOf(issued) {
  for (const line of issued.json.toString('utf8').split('\n')) {
    const { userId, ...fields } = /** @type {Record<string, unknown>} */ (JSON.parse(line));
    yield { userId: String(userId), token: lib.UserToken.fromJSON(fields) };
  }
}

/**
 * A started TokenPool holding the issued users, once its start-up validation of every user is done.
 * @param {IssuedTokens} issued
 * @returns {Promise<{ stop(): Promise<void> }>}
 */
async function startedPool(issued) {
  const TokenPool = /** @type {any} */ (lib)['TokenPool'];
  if (typeof TokenPool !== 'function') throw new Error('This build has no TokenPool.');
  const app = { appId: issued.target.clientId, appSecret: issued.target.clientSecret };
  let validated = 0;
  let failures = 0;
  const pool = new TokenPool(app, {
    authBaseUrl: issued.target.authBaseUrl,
    onValidate: () => {
      validated += 1;
    },
    onRefreshFailure: () => {
      failures += 1;
    },
    onInvalid: () => {
      failures += 1;
    },
  });
  let users = 0;
  for (const { userId, token } of tokensOf(issued)) {
    await pool.addUser(token, { userId });
    users += 1;
  }
  await pool.start();
  while (validated + failures < users) await sleep(20);
  if (failures > 0) throw new Error(`${String(failures)} of ${String(users)} start-up validations failed.`);
  return pool;
}

/**
 * @param {BurstJob} job
 * @returns {Promise<BurstResult>}
 */
async function burst(job) {
  const users = Array.from({ length: job.users }, (_, index) => ({
    id: String(200_000_000 + index),
    login: `user${String(index)}`,
  }));
  /** @type {import('../../lib/fake-process.js').FakeTarget} */
  const target = await fakeCall('reset', { users });
  /** @type {import('../../../../dist/index.js').UserToken[]} */
  const tokens = [];
  const CHUNK = 1000;
  for (let from = 0; from < users.length; from += CHUNK) {
    const issued = await Promise.all(
      users
        .slice(from, from + CHUNK)
        .map((user) => fakeCall('issueUserToken', { clientId: target.clientId, userId: user.id, scopes: APP_SCOPES })),
    );
    for (const fields of issued) tokens.push(lib.UserToken.fromJSON(fields));
  }
  const app = { appId: target.clientId, appSecret: target.clientSecret };
  await fakeCall('clearRecords');
  const requests = requestCounter();

  let validated = 0;
  let failures = 0;
  /** @type {() => void} */
  let allDone = () => undefined;
  const done = new Promise((resolve) => {
    allDone = () => {
      resolve(undefined);
    };
  });
  const settle = () => {
    if (validated + failures >= job.users) allDone();
  };
  const onValidate = () => {
    validated += 1;
    settle();
  };
  const onFailure = () => {
    failures += 1;
    settle();
  };

  /** @type {() => Promise<void>} */
  let stop = async () => undefined;
  /** @type {string} */
  let note;
  /** @type {number} From the start: set right before it, once the holder is built. */
  let started;
  if (job.holder === 'managers') {
    note = 'each `start()` validates at once';
    const managers = tokens.map(
      (token, index) =>
        new lib.TokenManager(app, token, {
          key: users[index]?.id ?? '',
          authBaseUrl: target.authBaseUrl,
          onValidate,
          onRefreshFailure: onFailure,
          onInvalid: onFailure,
        }),
    );
    started = performance.now();
    for (const manager of managers) manager.start();
    stop = async () => {
      await Promise.all(managers.map((manager) => manager.stop()));
    };
  } else if (job.holder === 'twurple') {
    note =
      '`addUserForToken()` validates to learn the user id (`addUser()` with a known id sends nothing and never validates)';
    // twurple reaches the identity service at http://localhost:<port>/auth/… in mock mode.
    process.env['TWURPLE_MOCK_API_PORT'] = String(target.port);
    const { RefreshingAuthProvider } = await import('@twurple/auth');
    const provider = new RefreshingAuthProvider({ clientId: app.appId, clientSecret: app.appSecret });
    started = performance.now();
    for (const token of tokens) {
      provider.addUserForToken(twurpleToken(token)).then(onValidate, onFailure);
    }
  } else {
    note = '`await pool.start()` loads the stored users and validates each at bounded concurrency';
    const TokenPool = /** @type {any} */ (lib)['TokenPool'];
    if (typeof TokenPool !== 'function') throw new Error('This build has no TokenPool.');
    const store = new lib.MemoryTokenStore();
    for (const [index, token] of tokens.entries()) {
      await store.writeIfNewer(`user:${users[index]?.id ?? ''}`, { token, generation: 0 });
    }
    const pool = new TokenPool(app, {
      store,
      authBaseUrl: target.authBaseUrl,
      onValidate,
      onRefreshFailure: onFailure,
      onInvalid: onFailure,
    });
    started = performance.now();
    await pool.start();
    stop = async () => {
      await pool.stop();
    };
  }
  await done;
  const wallMs = performance.now() - started;
  const peakInFlight = requests.peak;
  const requestErrors = requests.errors;
  const requestsByEndpoint = requests.byEndpoint;
  requests.close();
  /** @type {import('../../lib/fake-process.js').FakeStats} */
  const stats = await fakeCall('stats');
  await stop();
  return {
    holder: job.holder,
    users: job.users,
    wallMs,
    validated,
    failures,
    requests: stats.requestCount,
    connections: stats.connectionCount,
    peakInFlight,
    requestErrors,
    requestsByEndpoint,
    note,
  };
}

serveJobs((/** @type {HeapJob | BurstJob} */ job) => (job.mode === 'heap' ? heap(job) : burst(job)));
