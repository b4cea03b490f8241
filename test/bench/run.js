/**
 * `npm run bench`: runs the suites of bench/suites/index.js and prints their results as Markdown
 * (stdout; progress goes to stderr), with a line per target, and writes bench/results/latest.json.
 * Settings: see bench/lib/config.js (BENCH_CALLS, BENCH_ROUNDS, BENCH_SUITES, …). The redis suite
 * starts its own redis-server (REDIS_SERVER names another binary); without one it is skipped.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { readConfig } from './lib/config.js';
import { FakeProcess } from './lib/fake-process.js';
import { SUITES } from './suites/index.js';

const RESULTS = new URL('./results/latest.json', import.meta.url);
/** A 1-minute load average from which the header warns that other work shared the machine. */
const BUSY_LOAD = 1;

const config = readConfig();
const suites = SUITES.filter((suite) => config.suites?.includes(suite.name) ?? true);
if (suites.length === 0) throw new Error(`BENCH_SUITES names none of: ${SUITES.map((s) => s.name).join(', ')}`);

/** Which library was measured: the commit, and whether src/ differed from it. */
function libraryRevision() {
  const git = (/** @type {string[]} */ args) =>
    execFileSync('git', args, { cwd: new URL('../..', import.meta.url), stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  try {
    const commit = git(['rev-parse', '--short', 'HEAD']);
    return git(['status', '--porcelain', '--', 'src']) === '' ? commit : `${commit} + uncommitted changes in src/`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

const startedAt = new Date();
const cpus = os.cpus();
const machine = {
  date: startedAt.toISOString(),
  node: process.version,
  cpu: cpus[0]?.model ?? 'unknown',
  cores: cpus.length,
  platform: `${os.platform()} ${os.arch()} ${os.release()}`,
  library: libraryRevision(),
  /** npm's undici (the library, the floors) and Node's bundled one (global fetch, used by twurple). */
  undici: /** @type {{ version: string }} */ (
    JSON.parse(await readFile(new URL('../../node_modules/undici/package.json', import.meta.url), 'utf8'))
  ).version,
  nodeUndici: process.versions['undici'] ?? 'unknown',
  /** 1-minute load average before the run: other processes on the cores make the figures noisier. */
  loadBefore: os.loadavg()[0] ?? 0,
  loadAfter: Number.NaN,
};

const log = (/** @type {string} */ line) => {
  process.stderr.write(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)}s] ${line}\n`);
};

const fake = new FakeProcess();
/** @type {Record<string, import('./suites/index.js').SuiteResult>} */
const results = {};
try {
  for (const suite of suites) {
    log(`suite ${suite.name}…`);
    results[suite.name] = await suite.run({ config, fake, log });
  }
} finally {
  await fake.close();
}
const durationS = (Date.now() - startedAt.getTime()) / 1000;
machine.loadAfter = os.loadavg()[0] ?? 0;
log(`done in ${durationS.toFixed(0)} s`);

const lines = [
  '## Benchmarks',
  '',
  `${machine.date.slice(0, 10)} · Node ${machine.node} · ${machine.cpu} × ${String(machine.cores)} cores · ${machine.platform}`,
  '',
  `twitchapi-oauth at ${machine.library} · undici ${machine.undici} (npm: the library and the floors) · Node's bundled undici ${machine.nodeUndici} ` +
    `(global \`fetch\`: twurple) · run took ${durationS.toFixed(0)} s · 1-minute load average ` +
    `${machine.loadBefore.toFixed(2)} before, ${machine.loadAfter.toFixed(2)} after`,
  '',
  ...(machine.loadBefore >= BUSY_LOAD
    ? [
        `> **Warning**: the load average was ${machine.loadBefore.toFixed(2)} before the run started: other ` +
          'processes were using the CPU, so these figures are noisier than usual (see the ± column).',
        '',
      ]
    : []),
];
for (const result of Object.values(results)) {
  lines.push(`### ${result.title}`, '', result.markdown, '');
}
lines.push('### Targets', '');
for (const result of Object.values(results)) {
  for (const target of result.targets) {
    const verdict = target.measured === false ? '**not measured**' : target.met ? '**met**' : '**NOT met**';
    lines.push(`- ${verdict}: ${target.name} (${target.detail})`);
  }
}
process.stdout.write(`${lines.join('\n')}\n`);

await mkdir(new URL('./', RESULTS), { recursive: true });
await writeFile(
  RESULTS,
  `${JSON.stringify({ machine, config, durationS, suites: Object.fromEntries(Object.entries(results).map(([name, r]) => [name, { targets: r.targets, data: r.data }])) }, null, 2)}\n`,
);
log(`wrote ${RESULTS.pathname}`);
