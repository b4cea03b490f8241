/**
 * Suite "http-clients": the same validate and refresh workload through this library, the two
 * undici floors and @twurple/auth, against the fake Twitch in its own process. Each client runs in
 * its own worker process; each cell against a fresh fake. Import times and memory are measured in
 * fresh processes. See ./http-clients/ for the pieces.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runChild, startWorker } from '../lib/child.js';
import { markdownTable, mib, num, ratio } from '../lib/format.js';
import { median, spread } from '../lib/stats.js';
import { CLIENTS } from './http-clients/clients.js';

const run = promisify(execFile);

const WORKER = new URL('./http-clients/worker.js', import.meta.url);
const IMPORT_TIME = fileURLToPath(new URL('./http-clients/import-time.js', import.meta.url));
const MODULE_PROBE = fileURLToPath(new URL('./http-clients/module-probe.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const OPERATIONS = /** @type {const} */ (['validate', 'refresh']);

/** The packages whose import time is compared; `key` matches a client where one exists. */
const PACKAGES = [
  {
    key: 'library',
    label: 'twitchapi-oauth (`dist/index.js`)',
    specifier: new URL('../../../dist/index.js', import.meta.url).href,
  },
  { key: 'undici', label: '`undici`', specifier: 'undici' },
  { key: 'twurple', label: '`@twurple/auth`', specifier: '@twurple/auth' },
];

/** Concurrency of the prime: the code paths are the same at every level. */
const PRIME_CONCURRENCY = 16;

/** The library's targets. */
const TARGETS = {
  vsFetch: 0.85,
  vsTwurple: 1.0,
  /** RSS between the memory run's checkpoint and its end may grow by at most this much… */
  rssGrowthBytes: 4 * 1024 * 1024,
  /** …or this fraction of the checkpoint's RSS, whichever is larger. */
  rssGrowthFraction: 0.05,
};

/** @typedef {import('./http-clients/worker.js').CellResult} CellResult */

/**
 * @typedef {{ rss: number, heapUsed: number, external: number, arrayBuffers: number }} MemorySample
 * @typedef {{ start: MemorySample, checkpoint: MemorySample, end: MemorySample, connections: number }} MemoryResult
 */

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
function range(values) {
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? String(low) : `${String(low)}–${String(high)}`;
}

/**
 * @param {string} script
 * @param {string} specifier
 * @returns {Promise<any>}
 */
async function runNode(script, specifier) {
  const { stdout } = await run(process.execPath, [script, specifier], { cwd: REPO_ROOT });
  return JSON.parse(stdout);
}

/** @type {import('./index.js').Suite} */
export default {
  name: 'http-clients',
  title: 'HTTP clients: validate and refresh against the local fake',
  async run({ config, fake, log }) {
    const clients = Object.keys(CLIENTS).filter((key) => config.clients?.includes(key) ?? true);
    if (clients.length === 0) throw new Error(`BENCH_CLIENTS names none of: ${Object.keys(CLIENTS).join(', ')}`);
    const packages = PACKAGES.filter((pkg) => pkg.key === 'undici' || clients.includes(pkg.key));

    // ---- import time, each in a fresh `node` ---------------------------------------------------
    /** @type {Record<string, number[]>} */
    const importMs = Object.fromEntries(packages.map((pkg) => [pkg.key, []]));
    for (const pkg of packages) await runNode(IMPORT_TIME, pkg.specifier); // warms the file cache
    for (let runIndex = 0; runIndex < config.importRuns; runIndex++) {
      for (const pkg of rotate(packages, runIndex)) {
        importMs[pkg.key]?.push((await runNode(IMPORT_TIME, pkg.specifier)).ms);
      }
    }
    /** @type {Record<string, { modules: number, packages: Record<string, number> }>} */
    const loaded = {};
    for (const pkg of packages) loaded[pkg.key] = await runNode(MODULE_PROBE, pkg.specifier);
    log(`import times measured (${String(config.importRuns)} fresh processes per package)`);

    // ---- throughput ------------------------------------------------------------------------------
    // One worker process per client for the whole phase, primed once: a client needs thousands of
    // calls before its JIT settles, and measuring before that would compare warm-up curves. Then,
    // round after round, the same cell runs for every client back to back (rotating their order;
    // each cell against a fresh fake), so that clients compared in a round met the same machine
    // load. Ratios are taken within a round, then medians.
    /** @type {Record<string, CellResult[]>} Indexed by round. */
    const cells = {};
    const cellKey = (/** @type {string} */ op, /** @type {number} */ c, /** @type {string} */ client) =>
      `${op}/${String(c)}/${client}`;
    /** @type {Record<string, number[]>} calls/s of each block of the prime. */
    const primeBlocks = {};
    const workers = new Map(
      await Promise.all(
        clients.map(async (client) => /** @type {const} */ ([client, await startWorker({ script: WORKER, fake })])),
      ),
    );
    try {
      for (const [client, worker] of workers) {
        const job = { mode: 'prime', client, calls: config.prime, concurrency: PRIME_CONCURRENCY, blockSize: 1000 };
        primeBlocks[client] = /** @type {{ blocks: number[] }} */ (await worker.run(job)).blocks;
      }
      log(`workers primed (${num(config.prime)} calls each)`);
      for (let round = 0; round < config.rounds; round++) {
        for (const op of OPERATIONS) {
          for (const concurrency of config.concurrency) {
            for (const client of rotate(clients, round)) {
              const job = { mode: 'throughput', client, op, concurrency, calls: config.calls, warmup: config.warmup };
              const result = /** @type {CellResult} */ (await workers.get(client)?.run(job));
              (cells[cellKey(op, concurrency, client)] ??= []).push(result);
            }
          }
        }
        log(`round ${String(round + 1)}/${String(config.rounds)} done`);
      }
    } finally {
      await Promise.all([...workers.values()].map((worker) => worker.close()));
    }

    // ---- memory: one fresh worker per client ---------------------------------------------------
    /** @type {Record<string, MemoryResult>} */
    const memory = {};
    for (const client of clients) {
      memory[client] = await runChild({
        script: WORKER,
        job: {
          mode: 'memory',
          client,
          calls: config.memoryCalls,
          checkpoint: config.memoryCheckpoint,
          concurrency: config.memoryConcurrency,
        },
        fake,
      });
    }
    log('memory runs done');

    // ---- figures --------------------------------------------------------------------------------
    const summary = (/** @type {string} */ op, /** @type {number} */ c, /** @type {string} */ client) => {
      const rounds = cells[cellKey(op, c, client)] ?? [];
      const rates = rounds.map((r) => r.callsPerSecond);
      /** This client's calls/s over another's, round by round. */
      const pairedRatios = (/** @type {string} */ other) => {
        const theirs = cells[cellKey(op, c, other)];
        return theirs === undefined ? [] : rates.map((rate, round) => rate / (theirs[round]?.callsPerSecond ?? NaN));
      };
      /** Another client's CPU time per call over this one's, round by round: > 1 means this one is cheaper. */
      const pairedCpuRatios = (/** @type {string} */ other) => {
        const theirs = cells[cellKey(op, c, other)];
        return theirs === undefined
          ? []
          : rounds.map((r, round) => (theirs[round]?.cpuMicrosPerCall ?? NaN) / r.cpuMicrosPerCall);
      };
      const vsFetch = pairedRatios('undici-fetch');
      const vsTwurple = pairedRatios('twurple');
      return {
        callsPerSecond: median(rates),
        spread: spread(rates),
        rounds: rates,
        vsFetch: median(vsFetch),
        vsFetchRounds: vsFetch,
        vsTwurple: median(vsTwurple),
        vsTwurpleRounds: vsTwurple,
        cpuVsFetch: median(pairedCpuRatios('undici-fetch')),
        cpuVsTwurple: median(pairedCpuRatios('twurple')),
        p50Ms: median(rounds.map((r) => r.p50Ms)),
        p99Ms: median(rounds.map((r) => r.p99Ms)),
        cpuMicrosPerCall: median(rounds.map((r) => r.cpuMicrosPerCall)),
        fakeCpuPercent: median(rounds.map((r) => r.fakeCpuPercent)),
        connections: rounds.map((r) => r.connections.total),
        connectionsMeasured: rounds.map((r) => r.connections.measured),
      };
    };
    /** @type {Record<string, Record<string, Record<string, ReturnType<typeof summary>>>>} */
    const throughput = {};
    /** @type {string[][]} */
    const rows = [];
    for (const op of OPERATIONS) {
      for (const c of config.concurrency) {
        for (const client of clients) {
          const entry = summary(op, c, client);
          ((throughput[op] ??= {})[String(c)] ??= {})[client] = entry;
          rows.push([
            op,
            String(c),
            CLIENTS[client]?.label ?? client,
            `${num(entry.callsPerSecond)} ±${(100 * entry.spread).toFixed(0)}%`,
            ratio(entry.vsFetch),
            ratio(entry.vsTwurple),
            num(entry.p50Ms, 2),
            num(entry.p99Ms, 2),
            num(entry.cpuMicrosPerCall),
            `${num(entry.fakeCpuPercent)}%`,
            range(entry.connections),
          ]);
        }
      }
    }

    const importRows = packages.map((pkg) => {
      const times = importMs[pkg.key] ?? [];
      const probe = loaded[pkg.key];
      const deps = Object.entries(probe?.packages ?? {})
        .filter(([name]) => name !== '(own files)')
        .map(([name, count]) => `${name} (${String(count)})`);
      return [
        pkg.label,
        num(median(times), 1),
        `${num(Math.min(...times), 1)}–${num(Math.max(...times), 1)}`,
        String(probe?.modules ?? '–'),
        deps.length === 0 ? 'none' : deps.join(', '),
      ];
    });

    const memoryRows = clients.map((client) => {
      const m = memory[client];
      if (m === undefined) return [client];
      return [
        CLIENTS[client]?.label ?? client,
        mib(m.start.rss),
        mib(m.checkpoint.rss),
        mib(m.end.rss),
        `${m.end.rss >= m.checkpoint.rss ? '+' : '−'}${mib(Math.abs(m.end.rss - m.checkpoint.rss))}`,
        `${mib(m.checkpoint.heapUsed)} → ${mib(m.end.heapUsed)}`,
        String(m.connections),
      ];
    });

    // ---- targets --------------------------------------------------------------------------------
    /** @type {import('./index.js').TargetCheck[]} */
    const targets = [];
    if (clients.includes('library')) {
      const cellsOf = () =>
        OPERATIONS.flatMap((op) =>
          config.concurrency.map((c) => ({ op, c, entry: throughput[op]?.[String(c)]?.library })),
        );
      /**
       * One target line against another client: each cell's paired ratio, with the calls/s behind it
       * and, as a second opinion less disturbed by other load on the machine, the CPU-time ratio.
       * @param {string} other
       * @param {'vsFetch' | 'vsTwurple'} key
       * @param {'cpuVsFetch' | 'cpuVsTwurple'} cpuKey
       * @param {number} goal
       * @param {string} name
       */
      const versus = (other, key, cpuKey, goal, name) => {
        const figures = cellsOf().map(({ op, c, entry }) => ({
          op,
          c,
          value: entry?.[key] ?? NaN,
          cpu: entry?.[cpuKey] ?? NaN,
          ours: entry?.callsPerSecond ?? NaN,
          theirs: throughput[op]?.[String(c)]?.[other]?.callsPerSecond ?? NaN,
        }));
        targets.push({
          name,
          met: figures.every((f) => f.value >= goal),
          detail:
            figures
              .map(
                (f) =>
                  `${f.op} c=${String(f.c)}: ${ratio(f.value)} (${num(f.ours)} vs ${num(f.theirs)} calls/s; ` +
                  `by CPU time ${ratio(f.cpu)})`,
              )
              .join(', ') + (figures.every((f) => f.cpu >= goal) ? '; by CPU time: met' : '; by CPU time: not met'),
        });
      };
      if (clients.includes('undici-fetch')) {
        versus(
          'undici-fetch',
          'vsFetch',
          'cpuVsFetch',
          TARGETS.vsFetch,
          `≥ ${TARGETS.vsFetch.toFixed(2)}× bare undici fetch`,
        );
      }
      if (clients.includes('twurple')) {
        versus(
          'twurple',
          'vsTwurple',
          'cpuVsTwurple',
          TARGETS.vsTwurple,
          `≥ ${TARGETS.vsTwurple.toFixed(1)}× @twurple/auth`,
        );
        const ours = median(importMs['library'] ?? []);
        const theirs = median(importMs['twurple'] ?? []);
        targets.push({
          name: "import time ≤ @twurple/auth's",
          met: ours <= theirs,
          detail: `${num(ours, 1)} ms vs ${num(theirs, 1)} ms (medians of ${String(config.importRuns)} fresh processes)`,
        });
      }
      const libraryLoads = loaded['library']?.packages ?? {};
      const heavy = ['undici', 'zod'].filter((name) => (libraryLoads[name] ?? 0) > 0);
      targets.push({
        name: 'importing the library loads neither undici nor zod',
        met: heavy.length === 0,
        detail:
          `it loads ${String(loaded['library']?.modules ?? '?')} modules` +
          (Object.keys(libraryLoads).some((name) => name !== '(own files)')
            ? `, from: ${Object.keys(libraryLoads).join(', ')}`
            : ", all the library's own"),
      });
      const m = memory['library'];
      if (m !== undefined) {
        const growth = m.end.rss - m.checkpoint.rss;
        const allowed = Math.max(TARGETS.rssGrowthBytes, TARGETS.rssGrowthFraction * m.checkpoint.rss);
        targets.push({
          name: `RSS flat (growth from ${num(config.memoryCheckpoint)} to ${num(config.memoryCalls)} calls ≤ ${mib(allowed)})`,
          met: growth <= allowed,
          detail:
            `RSS ${mib(m.start.rss)} at start, ${mib(m.checkpoint.rss)} after ${num(config.memoryCheckpoint)} calls, ` +
            `${mib(m.end.rss)} after ${num(config.memoryCalls)}; heap ${mib(m.checkpoint.heapUsed)} → ${mib(m.end.heapUsed)}`,
        });
      }
    }

    // ---- Markdown ------------------------------------------------------------------------------
    const markdown = [
      `Each client runs in its own worker process (\`--expose-gc\`), first primed with ${num(config.prime)} calls ` +
        `(validate and refresh in turn) so that its JIT has settled. Then, for ${String(config.rounds)} rounds, every ` +
        `cell runs for all clients back to back (rotating their order), each against a fresh fake in its own process ` +
        `on \`127.0.0.1\`: ${num(config.warmup)} warm-up calls, then ${num(config.calls)} measured calls, with no ` +
        `forced GC before them (the collector runs as it does for a user). Figures are ` +
        `medians of the rounds; ± is the largest deviation of a round's calls/s from the median; ` +
        `"× fetch" and "× twurple" are medians of the ratios within each round. ` +
        `"client CPU" is the worker's user+system time per call; "fake CPU" is how busy the fake's process was ` +
        `(near 100 % would mean the fake, not the client, sets the pace); "conns" is how many connections the fake ` +
        `saw in the cell (warm-up included; range over rounds).`,
      '',
      markdownTable(
        [
          'op',
          'c',
          'client',
          'calls/s',
          '× fetch',
          '× twurple',
          'p50 ms',
          'p99 ms',
          'client CPU µs/call',
          'fake CPU',
          'conns',
        ],
        rows,
        'lrlrrrrrrrr',
      ),
      '',
      'Prime, calls/s of its first → last 1,000-call block (the rise is the JIT settling): ' +
        clients
          .map((client) => {
            const blocks = primeBlocks[client] ?? [];
            return `${CLIENTS[client]?.label ?? client} ${num(blocks[0] ?? NaN)} → ${num(blocks.at(-1) ?? NaN)}`;
          })
          .join('; ') +
        '.',
      '',
      `Import time: \`performance.now()\` around \`await import(…)\` in a fresh \`node\`, median of ${String(config.importRuns)} ` +
        `(after one discarded run per package); modules counted with a \`module.register\` resolve hook in a separate run.`,
      '',
      markdownTable(['package', 'import ms (median)', 'min–max', 'modules', 'packages it loads'], importRows, 'lrrrl'),
      '',
      `Memory: one fresh worker per client, validate and refresh in turn at concurrency ${String(config.memoryConcurrency)}; ` +
        `\`global.gc()\` before each reading.`,
      '',
      markdownTable(
        [
          'client',
          'RSS at start',
          `RSS after ${num(config.memoryCheckpoint)}`,
          `RSS after ${num(config.memoryCalls)}`,
          'Δ RSS',
          `heap used (${num(config.memoryCheckpoint)} → ${num(config.memoryCalls)})`,
          'conns',
        ],
        memoryRows,
        'lrrrrrr',
      ),
    ].join('\n');

    return {
      title: this.title,
      markdown,
      targets,
      data: {
        clients: Object.fromEntries(
          clients.map((key) => [key, { label: CLIENTS[key]?.label, description: CLIENTS[key]?.description }]),
        ),
        primeBlocks,
        throughput,
        importMs: Object.fromEntries(
          packages.map((pkg) => [
            pkg.key,
            { median: median(importMs[pkg.key] ?? []), runs: importMs[pkg.key], loaded: loaded[pkg.key] },
          ]),
        ),
        memory,
      },
    };
  },
};
