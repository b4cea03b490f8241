/**
 * Suite "cold-start": what a user waits for before the first answer. In fresh processes, round after
 * round (rotating the order, each client's figures paired with twurple's of the same round):
 * - the import, and the import plus the first `validateToken` (or its equivalent), timed inside
 *   the process, with the modules they load;
 * - a whole program that validates one token and exits by itself, timed from spawn to exit,
 *   next to an empty `node` (the floor) and, where it is installed, pyTwitchAPI's.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { markdownTable, num, ratio } from '../lib/format.js';
import { median } from '../lib/stats.js';

const run = promisify(execFile);
const HERE = new URL('./cold-start/', import.meta.url);
const FIRST_CALL = fileURLToPath(new URL('first-call.js', HERE));
const FIRST_CALL_PROBE = fileURLToPath(new URL('first-call-probe.js', HERE));
const ONE_SHOT = fileURLToPath(new URL('one-shot.mjs', HERE));
const ONE_SHOT_PY = fileURLToPath(new URL('one-shot.py', HERE));
const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PYTHON = process.env['PYTHON'] ?? 'python3';

/** The cold paths compared in one process. */
const FIRST_CALL_CLIENTS = [
  { key: 'library', label: 'twitchapi-oauth `validateToken`' },
  { key: 'twurple', label: '@twurple/auth `getTokenInfo`' },
  { key: 'undici-fetch', label: 'undici `fetch` (import + one GET)' },
  { key: 'global-fetch', label: 'global `fetch` (one GET, nothing imported)' },
];

/** The cold-start targets. */
const TARGETS = { firstCallVsTwurple: 1.0, oneShotVsPython: 1.0 };

/**
 * Why pyTwitchAPI cannot be measured here, or `undefined` when it can.
 * @returns {string | undefined}
 */
function pythonUnavailable() {
  const probe = spawnSync(PYTHON, ['-c', 'import twitchAPI.oauth, aiohttp'], { encoding: 'utf8' });
  if (probe.error === undefined && probe.status === 0) return undefined;
  const why = probe.error?.message ?? (probe.stderr.trim().split('\n').at(-1) || `exit ${String(probe.status)}`);
  return `pyTwitchAPI is not installed for ${PYTHON} (${why}); pip install twitchAPI, or PYTHON=… names an interpreter that has it`;
}

/**
 * Wall time of a whole process, from spawn to exit, in ms; rejects unless it exits 0.
 * @param {string} command
 * @param {string[]} args
 * @returns {Promise<number>}
 */
function timeProcess(command, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk) => (errors += String(chunk)));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`${command} ${args.join(' ')} exited ${String(code)}: ${errors}`));
    });
  });
}

/**
 * @template T
 * @param {readonly T[]} items
 * @param {number} by
 * @returns {T[]}
 */
function rotate(items, by) {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/**
 * @param {readonly number[]} values
 * @returns {string}
 */
function spanOf(values) {
  return `${num(Math.min(...values), 1)}–${num(Math.max(...values), 1)}`;
}

/** @type {import('./index.js').Suite} */
export default {
  name: 'cold-start',
  title: 'Cold start: import, first call, and a one-shot process',
  async run({ config, fake, log }) {
    const target = await fake.reset();
    const { accessToken } = await fake.call('issueUserToken');
    const args = [target.origin, target.authBaseUrl, accessToken];
    const noPython = pythonUnavailable();

    /** @type {{ key: string, label: string, command: string, args: string[] }[]} */
    const programs = [
      { key: 'node', label: 'empty `node -e 0` (the floor)', command: process.execPath, args: ['-e', '0'] },
      { key: 'library', label: 'twitchapi-oauth', command: process.execPath, args: [ONE_SHOT, 'library', ...args] },
      {
        key: 'cli',
        label: '`twitchapi-oauth validate` (the CLI)',
        command: process.execPath,
        args: [CLI, 'validate', accessToken, '--auth-base-url', target.authBaseUrl],
      },
      { key: 'twurple', label: '@twurple/auth', command: process.execPath, args: [ONE_SHOT, 'twurple', ...args] },
      ...(noPython === undefined
        ? [
            {
              key: 'python',
              label: 'pyTwitchAPI `validate_token`',
              command: PYTHON,
              args: [ONE_SHOT_PY, target.authBaseUrl, accessToken],
            },
          ]
        : []),
    ];

    // One discarded run of each, to warm the file cache.
    for (const client of FIRST_CALL_CLIENTS) await run(process.execPath, [FIRST_CALL, client.key, ...args]);
    for (const program of programs) await timeProcess(program.command, program.args);

    /** @type {Record<string, { importMs: number, firstCallMs: number }[]>} */
    const firstCalls = {};
    /** @type {Record<string, number[]>} */
    const oneShots = {};
    for (let round = 0; round < config.coldRounds; round++) {
      for (const client of rotate(FIRST_CALL_CLIENTS, round)) {
        const { stdout } = await run(process.execPath, [FIRST_CALL, client.key, ...args], { cwd: REPO_ROOT });
        (firstCalls[client.key] ??= []).push(JSON.parse(stdout));
      }
      for (const program of rotate(programs, round)) {
        (oneShots[program.key] ??= []).push(await timeProcess(program.command, program.args));
      }
    }
    log(`cold starts measured (${String(config.coldRounds)} rounds)`);

    /** @type {Record<string, { modules: number, packages: Record<string, number> }>} */
    const loaded = {};
    for (const client of FIRST_CALL_CLIENTS) {
      const { stdout } = await run(process.execPath, [FIRST_CALL_PROBE, client.key, ...args], { cwd: REPO_ROOT });
      loaded[client.key] = JSON.parse(stdout);
    }

    /** Medians of this series' ratios to another's, round by round. */
    const paired = (/** @type {number[]} */ ours, /** @type {number[] | undefined} */ theirs) =>
      theirs === undefined ? Number.NaN : median(ours.map((value, round) => value / (theirs[round] ?? Number.NaN)));

    const firstOf = (/** @type {string} */ key) => (firstCalls[key] ?? []).map((r) => r.firstCallMs);
    const importOf = (/** @type {string} */ key) => (firstCalls[key] ?? []).map((r) => r.importMs);
    const firstRows = FIRST_CALL_CLIENTS.map((client) => {
      const probe = loaded[client.key];
      const deps = Object.entries(probe?.packages ?? {})
        .map(([name, count]) => `${name} ${String(count)}`)
        .join(', ');
      return [
        client.label,
        num(median(importOf(client.key)), 1),
        num(median(firstOf(client.key)), 1),
        spanOf(firstOf(client.key)),
        ratio(paired(firstOf(client.key), firstOf('twurple'))),
        `${String(probe?.modules ?? '–')}: ${deps}`,
      ];
    });
    const oneShotRows = programs.map((program) => [
      program.label,
      num(median(oneShots[program.key] ?? []), 1),
      spanOf(oneShots[program.key] ?? []),
      ratio(paired(oneShots[program.key] ?? [], oneShots['twurple'])),
      noPython === undefined ? ratio(paired(oneShots[program.key] ?? [], oneShots['python'])) : '–',
    ]);

    const ourFirst = paired(firstOf('library'), firstOf('twurple'));
    const ourOneShotVsPython = paired(oneShots['library'] ?? [], oneShots['python']);
    /** @type {import('./index.js').TargetCheck[]} */
    const targets = [
      {
        name: `import + first validateToken ≤ ${TARGETS.firstCallVsTwurple.toFixed(1)}× @twurple/auth's`,
        met: ourFirst <= TARGETS.firstCallVsTwurple,
        detail:
          `${ratio(ourFirst)} (medians ${num(median(firstOf('library')), 1)} ms vs ${num(median(firstOf('twurple')), 1)} ms; ` +
          `median of ${String(config.coldRounds)} paired rounds)`,
      },
      noPython === undefined
        ? {
            name: `a one-shot validate process ≤ ${TARGETS.oneShotVsPython.toFixed(1)}× pyTwitchAPI's`,
            met: ourOneShotVsPython <= TARGETS.oneShotVsPython,
            detail: `${ratio(ourOneShotVsPython)} (medians ${num(median(oneShots['library'] ?? []), 1)} ms vs ${num(median(oneShots['python'] ?? []), 1)} ms)`,
          }
        : {
            name: `a one-shot validate process ≤ ${TARGETS.oneShotVsPython.toFixed(1)}× pyTwitchAPI's`,
            met: false,
            measured: false,
            detail: noPython,
          },
    ];

    const markdown = [
      `Fresh \`node\` processes, ${String(config.coldRounds)} rounds (order rotated each round; one discarded run of ` +
        `each first, to warm the file cache), against the fake in its own process. "× twurple" is the median of ` +
        `the ratios within each round.`,
      '',
      'Import, and import plus the first validation (timed inside the process, from before the import to the answer):',
      '',
      markdownTable(
        ['client', 'import ms', 'import + first call ms', 'min–max', '× twurple', 'modules loaded by then'],
        firstRows,
        'lrrrrl',
      ),
      '',
      'A whole program that validates one token and exits by itself (timed from spawn to exit):',
      '',
      markdownTable(['program', 'ms (median)', 'min–max', '× twurple', '× pyTwitchAPI'], oneShotRows, 'lrrrr'),
      ...(noPython === undefined ? [] : ['', `pyTwitchAPI: not measured: ${noPython}.`]),
    ].join('\n');

    return {
      title: this.title,
      markdown,
      targets,
      data: { firstCalls, oneShots, loaded, python: noPython ?? 'measured' },
    };
  },
};
