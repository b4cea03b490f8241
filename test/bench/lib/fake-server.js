/**
 * Child process entry: the fake Twitch identity service, in its own process so that its CPU does
 * not share the measured clients' event loop. Controlled by IPC, see {@link ./fake-process.js}.
 *
 * Messages are `{ id, op, args }`; every one is answered with `{ id, ok: true, result }` or
 * `{ id, ok: false, error }`. To give a new suite another operation, add it to `OPERATIONS`.
 */
import { DEMO_APP, startFakeTwitch } from '../../../dist/testing/index.js';

/** @typedef {import('../../dist/testing/index.js').FakeTwitch} FakeTwitch */

/** @type {FakeTwitch | undefined} */
let fake;

/** @returns {FakeTwitch} */
function current() {
  if (fake === undefined) throw new Error('The fake is not started: send "reset" first.');
  return fake;
}

/** Where the fake listens, and the credentials of its confidential demo app. @param {FakeTwitch} server */
function describe(server) {
  return {
    origin: server.origin,
    authBaseUrl: server.authBaseUrl,
    port: Number(new URL(server.origin).port),
    clientId: DEMO_APP.clientId,
    clientSecret: DEMO_APP.clientSecret ?? '',
  };
}

/** @type {Record<string, (args: any) => unknown>} */
const OPERATIONS = {
  /** Replaces the fake by a fresh one (no tokens, no records, no connections) on a new port. */
  async reset(/** @type {import('../../dist/testing/index.js').FakeTwitchOptions | undefined} */ options) {
    await fake?.close();
    fake = await startFakeTwitch({ host: '127.0.0.1', ...options });
    return describe(fake);
  },
  /** Mints a user token (default: DEMO_APP, the logged-in user) without HTTP. */
  issueUserToken(/** @type {Parameters<FakeTwitch['issueUserToken']>[0]} */ input) {
    return current().issueUserToken(input);
  },
  /** Forgets the recorded requests and the connection count. */
  clearRecords() {
    current().clearRecords();
    return null;
  },
  /** Connection and request counts, and this process's CPU time (µs) for busy-ness figures. */
  stats() {
    const server = current();
    const cpu = process.cpuUsage();
    return {
      connectionCount: server.connectionCount,
      openConnections: server.openConnections,
      requestCount: server.requests.length,
      cpuMicros: cpu.user + cpu.system,
      wallMs: performance.now(),
    };
  },
  async close() {
    await fake?.close();
    fake = undefined;
    setImmediate(() => process.disconnect());
    return null;
  },
};

process.on('message', (/** @type {{ id: number, op: string, args?: unknown }} */ message) => {
  const { id, op, args } = message;
  const operation = OPERATIONS[op];
  Promise.resolve()
    .then(() => {
      if (operation === undefined) throw new Error(`Unknown fake operation: ${op}`);
      return operation(args);
    })
    .then(
      (result) => process.send?.({ id, ok: true, result }),
      (/** @type {unknown} */ error) => process.send?.({ id, ok: false, error: String(error) }),
    );
});

// The parent's death ends this process too.
process.on('disconnect', () => {
  void fake?.close().finally(() => process.exit(0));
  if (fake === undefined) process.exit(0);
});
