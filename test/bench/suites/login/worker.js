/**
 * Child process entry of the login suite: runs browser logins with a `UserAuthenticator` against
 * the fake Twitch (in its own process, reached through the parent), playing the browser itself.
 *
 * Per login: `authenticate({ useBrowser: false, onAuthUrl })`; `onAuthUrl` GETs the authorize URL
 * at the fake (mode 'approve', redirect not followed) and sends the callback URL's GET to the
 * listener over a raw TCP socket. Timed: start-up (call → `onAuthUrl`), callback → resolve, and
 * the token exchange itself (through the `fetch` option), whose difference is the overhead.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import net from 'node:net';
import { fetch as undiciFetch, request } from 'undici';
import { UserAuthenticator } from '../../../../dist/index.js';
import { DEMO_APP } from '../../../../dist/testing/index.js';
import { fakeCall, serveJobs } from '../../lib/worker-ipc.js';

/** @typedef {import('../../lib/fake-process.js').FakeTarget} FakeTarget */

/**
 * @typedef {object} LoginJob
 * @property {number} logins Measured logins.
 * @property {number} warmup Unmeasured logins first.
 */

/**
 * @typedef {object} LoginTimes One login's figures, in ms.
 * @property {number} startupMs `authenticate()` called → `onAuthUrl` called.
 * @property {number} callbackToResolveMs The callback's GET about to be sent → `authenticate()` resolved.
 * @property {number} exchangeMs The `/token` fetch: called → its body read.
 * @property {number} overheadMs callbackToResolveMs − exchangeMs.
 * @property {number} toRequestMs Of the overhead: t0 → the listener's `request` (connect, request parsed).
 * @property {number} toExchangeMs Of the overhead: the listener's `request` → the `/token` fetch called.
 * @property {number} toPageMs Of the overhead: the exchange's body read → the success page written.
 * @property {number} toResolveMs Of the overhead: the success page written → `authenticate()` resolved.
 */

/**
 * @typedef {object} LoginResult
 * @property {LoginTimes[]} logins The measured ones.
 * @property {number} port
 * @property {Record<string, string>} whileOpen How a TCP connect to each loopback address went while the listener was up (first login).
 * @property {{ checked: number, refused: Record<string, number>, outcomes: Record<string, Record<string, number>> }} afterClose
 *   TCP connects after each login, per address.
 * @property {Record<string, number>} callbackStatus HTTP status of the listener's answers to the callback.
 * @property {number} tokenCallsPerLogin `/token` calls seen by the fetch wrapper, per login (expected 1).
 * @property {number} fakeRequests Requests the fake received.
 */

const HOSTS = ['127.0.0.1', '::1'];

// When the listener (node:http, the only HTTP server in this process) receives the callback and
// finishes its answer: for the breakdown of the overhead.
let requestAt = Number.NaN;
let pageAt = Number.NaN;
diagnosticsChannel.subscribe('http.server.request.start', () => {
  requestAt = performance.now();
});
diagnosticsChannel.subscribe('http.server.response.finish', () => {
  pageAt = performance.now();
});

/** @returns {Promise<number>} A port free on 127.0.0.1 at the time of asking. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/**
 * Opens a TCP connection and closes it at once.
 * @param {string} host
 * @param {number} port
 * @returns {Promise<string>} `connected`, `refused`, or another error code.
 */
function tryConnect(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (/** @type {NodeJS.ErrnoException} */ error) => {
      resolve(error.code === 'ECONNREFUSED' ? 'refused' : (error.code ?? String(error)));
    });
  });
}

/**
 * The browser's GET of the callback URL, on a raw socket (the least client-side work on this
 * event loop): connect, one request, read to the end (the listener closes the connection).
 * @param {number} port
 * @param {string} target Path and query.
 * @returns {Promise<number>} The HTTP status.
 */
function getCallback(port, target) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost:${String(port)}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', () => {
      const head = Buffer.concat(chunks).subarray(0, 32).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
      if (status === undefined) reject(new Error(`The listener answered no HTTP status: ${JSON.stringify(head)}`));
      else resolve(Number(status));
    });
  });
}

/** @param {Record<string, number>} counts @param {string} key */
function bump(counts, key) {
  counts[key] = (counts[key] ?? 0) + 1;
}

async function collectGarbage() {
  if (typeof globalThis.gc !== 'function') return;
  for (let pass = 0; pass < 3; pass++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * @param {LoginJob} job
 * @returns {Promise<LoginResult>}
 */
async function runLogins(job) {
  const port = await freePort();
  const redirectUri = `http://localhost:${String(port)}`;
  const target = /** @type {FakeTarget} */ (
    await fakeCall('reset', {
      authorize: 'approve',
      apps: [
        {
          clientId: DEMO_APP.clientId,
          clientSecret: DEMO_APP.clientSecret,
          redirectUris: [redirectUri],
          name: 'Login benchmark',
        },
      ],
    })
  );

  /** The current login's `/token` exchange: [start, end] of each call. */
  /** @type {[number, number][]} */
  let exchanges = [];
  /**
   * undici's `fetch`, timed: the body is read here, whole, so the exchange's time runs from the
   * call to the last byte. The library gets the text from memory, with its length declared as
   * Twitch declares it (the fake answers chunked), so it takes the path it takes with Twitch.
   * @type {import('../../../../dist/index.js').FetchLike}
   */
  const timedFetch = async (url, init) => {
    const started = performance.now();
    const response = await undiciFetch(url, /** @type {any} */ (init));
    const text = await response.text();
    if (url.endsWith('/token')) exchanges.push([started, performance.now()]);
    const length = String(Buffer.byteLength(text));
    return {
      status: response.status,
      headers: {
        get: (/** @type {string} */ name) =>
          name.toLowerCase() === 'content-length' ? length : response.headers.get(name),
      },
      body: /** @type {any} */ (response.body), // consumed; the library only checks it is not null
      text: () => Promise.resolve(text),
    };
  };

  const auth = new UserAuthenticator(
    { appId: target.clientId, appSecret: target.clientSecret },
    ['chat:read', 'chat:edit'],
    { url: redirectUri, authBaseUrl: target.authBaseUrl, fetch: timedFetch, timeoutMs: 30_000 },
  );

  /** @type {Record<string, string>} */
  const whileOpen = {};
  /** @type {Record<string, number>} */
  const callbackStatus = {};
  /** @type {Record<string, number>} */
  const refused = Object.fromEntries(HOSTS.map((host) => [host, 0]));
  /** @type {Record<string, Record<string, number>>} */
  const outcomes = Object.fromEntries(HOSTS.map((host) => [host, {}]));
  let tokenCalls = 0;
  let checked = 0;

  /**
   * One login, driven as a browser would.
   * @param {boolean} probeHosts Connect to each loopback address while the listener is up (outside the timings).
   * @returns {Promise<LoginTimes>}
   */
  const login = async (probeHosts) => {
    exchanges = [];
    requestAt = Number.NaN;
    pageAt = Number.NaN;
    let urlAt = Number.NaN;
    let t0 = Number.NaN;
    /** @type {Promise<number> | undefined} */
    let browser;
    const calledAt = performance.now();
    const token = await auth.authenticate({
      useBrowser: false,
      onAuthUrl: (authUrl) => {
        urlAt = performance.now();
        // Returns at once, as an app sending the URL to its user would; the "browser" runs on.
        browser = (async () => {
          if (probeHosts) for (const host of HOSTS) whileOpen[host] = await tryConnect(host, port);
          const authorize = await request(authUrl);
          await authorize.body.dump();
          const location = authorize.headers['location'];
          if (authorize.statusCode !== 302 || typeof location !== 'string') {
            throw new Error(`The fake's /authorize answered ${String(authorize.statusCode)} without a redirect.`);
          }
          const callback = new URL(location);
          t0 = performance.now();
          return getCallback(port, callback.pathname + callback.search);
        })();
        browser.catch(() => undefined); // awaited below
      },
    });
    const t1 = performance.now();
    if (token.accessToken === '') throw new Error('The login produced no access token.');
    bump(callbackStatus, String(await browser));
    tokenCalls += exchanges.length;
    const exchange = exchanges[0];
    if (exchanges.length !== 1 || exchange === undefined) {
      throw new Error(`Expected one /token exchange per login; saw ${String(exchanges.length)}.`);
    }
    for (const host of HOSTS) {
      const outcome = await tryConnect(host, port);
      bump(/** @type {Record<string, number>} */ (outcomes[host]), outcome);
      if (outcome === 'refused') refused[host] = (refused[host] ?? 0) + 1;
    }
    checked += 1;
    const exchangeMs = exchange[1] - exchange[0];
    return {
      startupMs: urlAt - calledAt,
      callbackToResolveMs: t1 - t0,
      exchangeMs,
      overheadMs: t1 - t0 - exchangeMs,
      toRequestMs: requestAt - t0,
      toExchangeMs: exchange[0] - requestAt,
      toPageMs: pageAt - exchange[1],
      toResolveMs: t1 - pageAt,
    };
  };

  for (let index = 0; index < job.warmup; index++) await login(index === 0);
  if (job.warmup === 0) await login(true);
  await collectGarbage();
  /** @type {LoginTimes[]} */
  const logins = [];
  for (let index = 0; index < job.logins; index++) logins.push(await login(false));

  const { requestCount } = /** @type {import('../../lib/fake-process.js').FakeStats} */ (await fakeCall('stats'));
  return {
    logins,
    port,
    whileOpen,
    afterClose: { checked, refused, outcomes },
    callbackStatus,
    tokenCallsPerLogin: tokenCalls / checked,
    fakeRequests: requestCount,
  };
}

serveJobs((/** @type {LoginJob} */ job) => runLogins(job));
