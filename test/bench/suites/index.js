/**
 * The benchmark suites, in the order `bench/run.js` runs them.
 *
 * To add a suite: create `bench/suites/<name>.js` whose default export is a {@link Suite}, and add
 * it to `SUITES`. `run` gets the settings, the fake Twitch process (`fake.reset()`, `fake.call(op)`;
 * add operations in `bench/lib/fake-server.js`) and a progress logger; it should measure in fresh
 * child processes (`runChild` in `bench/lib/child.js`) and return Markdown, targets and JSON data.
 * `BENCH_SUITES=name,…` runs a subset.
 */
import coldStart from './cold-start.js';
import hostilePeers from './hostile-peers.js';
import httpClients from './http-clients.js';
import login from './login.js';
import manyUsers from './many-users.js';
import redis from './redis.js';
import tokenManager from './token-manager.js';

/**
 * @typedef {object} TargetCheck One performance target, met or not.
 * @property {string} name
 * @property {boolean} met
 * @property {string} detail The figures behind the verdict.
 * @property {boolean} [measured] `false` when the suite could not measure it (e.g. redis-server missing):
 *   reported as "not measured", neither met nor failed.
 */

/**
 * @typedef {object} SuiteResult
 * @property {string} title
 * @property {string} markdown Tables and notes, pasted under the suite's heading.
 * @property {TargetCheck[]} targets
 * @property {unknown} data Everything worth keeping, for bench/results/latest.json.
 */

/**
 * @typedef {object} SuiteContext
 * @property {import('../lib/config.js').BenchConfig} config
 * @property {import('../lib/fake-process.js').FakeProcess} fake
 * @property {(line: string) => void} log Progress, on stderr.
 */

/**
 * @typedef {object} Suite
 * @property {string} name Its key in BENCH_SUITES and in the JSON.
 * @property {string} title
 * @property {(context: SuiteContext) => Promise<SuiteResult>} run
 */

/** @type {Suite[]} */
export const SUITES = [httpClients, coldStart, login, tokenManager, redis, hostilePeers, manyUsers];
