/**
 * Suite "redis": what `RedisTokenStore` costs a bot. The hot path (`getAccessToken()` with a fresh
 * token, which must not touch Redis), the Redis commands and round trips of a refresh, for the
 * process that refreshes and for a second one waiting for it, and the wall time a refresh takes
 * through Redis compared with `MemoryTokenStore`. The suite starts its own redis-server (see
 * ./redis/server.js) and counts commands on the server (`INFO commandstats`, `MONITOR`); without
 * redis-server it is skipped and its targets are reported as not measured. Workers:
 * ./redis/worker.js, with the fake Twitch in the worker process.
 */
import { runChild, startWorker } from '../lib/child.js';
import { markdownTable, num, ratio } from '../lib/format.js';
import { median, percentile, spread } from '../lib/stats.js';
import { probeRedisCli, probeRedisServer, startRedisCluster, startRedisServer } from './redis/server.js';

const WORKER = new URL('./redis/worker.js', import.meta.url);

/** Target (a): median ns per awaited call through Redis below this… */
const MAX_HOT_NS = 1000;
/** …and at most this many times the MemoryTokenStore figure. */
const MAX_HOT_RATIO = 2;
/** Target (b): round trips per refresh for the process that refreshes. */
const MAX_ROUND_TRIPS = 5;
/** The slow refresh: the store's lock lasts this long unrenewed (renewed every third of it)… */
const SLOW_LOCK_TTL_MS = 300;
/** …and the fake holds the `/token` answer this long, so the lock is renewed twice. */
const SLOW_HOLD_MS = 250;
/** RedisTokenStore's default `pollIntervalMs`: a waiter not woken by pub/sub tries the lock again after this. */
const DEFAULT_POLL_MS = 500;
/** PINGs from the refreshing worker, for the round-trip time. */
const PINGS = 200;

/** Connection names, as `CLIENT LIST` shows them (the workers and this process). */
const PROBE = 'bench-probe';
const REFRESHER = 'bench-refresher';
const WAITER = 'bench-waiter';
const WAITER_PUBSUB = `${WAITER} (pub/sub)`;

/** @typedef {import('./redis/worker.js').HotResult} HotResult */
/** @typedef {import('./redis/worker.js').RefreshResult} RefreshResult */
/** @typedef {import('./redis/redis-tools.js').Attribution} Attribution */
/** @typedef {Record<string, number>} Counts */

/**
 * The suite's result when it cannot run here.
 * @param {string} title
 * @param {string} reason
 * @param {(line: string) => void} log
 * @returns {import('./index.js').SuiteResult}
 */
function skipped(title, reason, log) {
  log(`redis: skipped: ${reason}`);
  const detail = `not measured: ${reason}`;
  return {
    title,
    markdown: `**skipped: ${reason}.** Install redis-server (e.g. \`apt-get install redis-server\`) or set \`REDIS_SERVER\` to run this suite.`,
    targets: [
      {
        name: `fresh-token getAccessToken() through RedisTokenStore: 0 Redis commands, < ${num(MAX_HOT_NS)} ns per awaited call, within ${String(MAX_HOT_RATIO)}× of MemoryTokenStore`,
        met: false,
        measured: false,
        detail,
      },
      {
        name: `refresh coordination: ≤ ${String(MAX_ROUND_TRIPS)} Redis round trips per refresh for the refreshing process`,
        met: false,
        measured: false,
        detail,
      },
    ],
    data: { skipped: reason },
  };
}

/**
 * Mean and range of a count over samples (a missing count is 0).
 * @param {readonly (Counts | undefined)[]} samples
 * @param {string} key
 */
function countFigure(samples, key) {
  const values = samples.map((sample) => sample?.[key] ?? 0);
  const mean = values.reduce((total, value) => total + value, 0) / Math.max(1, values.length);
  return { mean, min: Math.min(...values), max: Math.max(...values) };
}

/**
 * `1`, `2.17 (2–3)`: a count's mean, with its range when it varies.
 * @param {{ mean: number, min: number, max: number }} figure
 */
function countCell(figure) {
  if (figure.min === figure.max) return String(figure.min);
  return `${num(figure.mean, 2)} (${String(figure.min)}–${String(figure.max)})`;
}

/**
 * `4`, `2.17 (2–3)`: the mean of plain numbers, with their range when they vary.
 * @param {readonly number[]} values
 */
function spanCell(values) {
  if (values.length === 0) return '–';
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return countCell({ mean, min: Math.min(...values), max: Math.max(...values) });
}

/**
 * Total of a record of counts.
 * @param {Counts | undefined} counts
 */
function total(counts) {
  return Object.values(counts ?? {}).reduce((sum, count) => sum + count, 0);
}

/**
 * `commandstats`' name of a MONITOR label: `SET NX` → `set`, `EVAL release` → `eval`, `CLIENT SETNAME` → `client|setname`.
 * @param {string} label
 */
function statName(label) {
  const [name = '', sub = ''] = label.toLowerCase().split(' ');
  return name === 'client' || name === 'config' ? `${name}|${sub}` : name;
}

/**
 * Counts by command name of one connection's labels.
 * @param {Counts | undefined} labels
 */
function byStatName(labels) {
  /** @type {Counts} */
  const counts = {};
  for (const [label, count] of Object.entries(labels ?? {})) {
    const name = statName(label);
    counts[name] = (counts[name] ?? 0) + count;
  }
  return counts;
}

/**
 * `SET NX ×1, HMGET ×1`, in a stable order.
 * @param {Counts} counts
 */
function listCounts(counts) {
  return (
    Object.entries(counts)
      .filter(([, count]) => count !== 0)
      .map(([name, count]) => `${name} ×${Number.isInteger(count) ? String(count) : num(count, 2)}`)
      .join(', ') || 'none'
  );
}

/** The order commandstats names are listed in: the connection, the store's commands, its scripts'. */
const STAT_ORDER = [
  'hello',
  'client|setname',
  'info',
  'set',
  'hmget',
  'eval',
  'get',
  'hget',
  'hset',
  'pexpire',
  'publish',
  'del',
];

/**
 * Counts by commandstats name, in {@link STAT_ORDER}.
 * @param {Counts} counts
 * @returns {Counts}
 */
function statOrder(counts) {
  const rank = (/** @type {string} */ name) => {
    const index = STAT_ORDER.indexOf(name);
    return index === -1 ? STAT_ORDER.length : index;
  };
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)));
}

/**
 * Mean count per label over samples.
 * @param {readonly (Counts | undefined)[]} samples
 * @returns {Counts}
 */
function meanCounts(samples) {
  /** @type {Counts} */
  const sums = {};
  for (const sample of samples) {
    for (const [key, count] of Object.entries(sample ?? {})) sums[key] = (sums[key] ?? 0) + count;
  }
  return Object.fromEntries(Object.entries(sums).map(([key, count]) => [key, count / Math.max(1, samples.length)]));
}

/**
 * The labels seen in any sample, in a readable order: the lock, the read, the scripts, the rest.
 * @param {readonly (Counts | undefined)[]} samples
 */
function labelsOf(samples) {
  const order = ['SET NX', 'HMGET', 'EVAL confirm', 'EVAL write-if-newer', 'EVAL renew', 'EVAL release'];
  const seen = new Set(samples.flatMap((sample) => Object.keys(sample ?? {})));
  return [...order.filter((label) => seen.has(label)), ...[...seen].filter((label) => !order.includes(label)).sort()];
}

/**
 * Figures of timings in ms.
 * @param {readonly number[]} values
 */
function timeFigures(values) {
  const sorted = Float64Array.from(values);
  return {
    median: median(values),
    p90: percentile(sorted, 90),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

/**
 * @typedef {{ commands: { name: string, us: number }[][], ms: number[] } | { skipped: string }} ClusterRun
 *   Each refresh's commands (client-side, in order) and wall time on a 3-master Redis Cluster.
 */

/**
 * `manager.refresh()` through a RedisTokenStore on an ioredis `Cluster` (3 masters, no replicas),
 * each command counted client-side as for the standalone timed refreshes: the cluster row.
 * @param {import('../lib/config.js').BenchConfig} config
 * @param {(line: string) => void} log
 * @param {import('../lib/child.js').Worker[]} workers
 * @returns {Promise<ClusterRun>}
 */
async function refreshesOnCluster(config, log, workers) {
  const cli = probeRedisCli();
  if (!cli.ok) return { skipped: `redis-cli not found (${cli.reason})` };
  const cluster = await startRedisCluster();
  try {
    const worker = await startWorker({ script: WORKER });
    workers.push(worker);
    await worker.run({
      op: 'setup',
      redisUrl: '',
      clusterNodes: cluster.nodes,
      connectionName: REFRESHER,
      hostFake: true,
      managers: [{ name: 'redis', store: 'redis', key: 'solo' }],
    });
    for (let index = 0; index < config.redisRefreshWarmup; index++) await worker.run({ op: 'refresh', name: 'redis' });
    /** @type {{ name: string, us: number }[][]} */
    const commands = [];
    /** @type {number[]} */
    const ms = [];
    for (let index = 0; index < config.redisMonitored; index++) {
      const result = /** @type {RefreshResult} */ (await worker.run({ op: 'refresh', name: 'redis' }));
      commands.push(result.commands);
      ms.push(result.ms);
    }
    await worker.run({ op: 'close' });
    await worker.close();
    workers.splice(workers.indexOf(worker), 1);
    log(`redis: ${String(config.redisMonitored)} refreshes on a 3-master cluster done`);
    return { commands, ms };
  } finally {
    await cluster.destroy();
  }
}

/** @type {import('./index.js').Suite} */
export default {
  name: 'redis',
  title: 'RedisTokenStore: the hot path, and what a refresh costs in Redis commands and time',
  async run({ config, log }) {
    const probeResult = probeRedisServer();
    if (!probeResult.ok) return skipped(this.title, `redis-server not found (${probeResult.reason})`, log);
    /** @type {typeof import('./redis/redis-tools.js')} */
    let tools;
    try {
      tools = await import('./redis/redis-tools.js');
    } catch (error) {
      return skipped(this.title, `ioredis cannot be loaded (${String(error)})`, log);
    }
    const { attribute, clientRoles, commandStats, commandsBetween, connectRedis, sequence, startMonitor } = tools;

    const server = await startRedisServer(probeResult.version);
    log(`redis: redis-server ${server.version} on port ${String(server.port)}`);
    const probe = await connectRedis(server.url, PROBE);
    /** @type {import('../lib/child.js').Worker[]} */
    const workers = [];
    try {
      // ---- 1. the hot path ------------------------------------------------------------------------
      /** @type {HotResult[]} */
      const hot = [];
      for (let round = 0; round < config.redisHotRounds; round++) {
        hot.push(
          /** @type {HotResult} */ (
            await runChild({
              script: WORKER,
              job: {
                op: 'hot',
                redisUrl: server.url,
                key: `hot${String(round)}`,
                calls: config.redisHotCalls,
                batches: config.redisHotBatches,
              },
            })
          ),
        );
      }
      log(`redis hot path: ${String(config.redisHotRounds)} rounds done`);

      // ---- 2. one process refreshing alone ------------------------------------------------------
      const solo = await startWorker({ script: WORKER });
      workers.push(solo);
      await solo.run({
        op: 'setup',
        redisUrl: server.url,
        connectionName: REFRESHER,
        hostFake: true,
        managers: [
          { name: 'redis', store: 'redis', key: 'solo' },
          { name: 'memory', store: 'memory' },
          { name: 'slow', store: 'redis', key: 'slow', lockTtlMs: SLOW_LOCK_TTL_MS },
        ],
      });
      const refreshOn = async (/** @type {string} */ name, /** @type {number} */ holdMs = 0) =>
        /** @type {RefreshResult} */ (await solo.run({ op: 'refresh', name, holdMs }));
      for (let index = 0; index < config.redisRefreshWarmup; index++) {
        await refreshOn('redis');
        await refreshOn('memory');
      }
      /** @type {number[]} */ const redisMs = [];
      /** @type {number[]} */ const memoryMs = [];
      /** @type {Counts[]} */ const soloStats = [];
      /** @type {number[]} */ const soloUsec = [];
      /** @type {{ name: string, us: number }[][]} */ const soloCommandTimes = [];
      let otherInfo = 0;
      let rotatedTimed = 0;
      for (let index = 0; index < config.redisRefreshes; index++) {
        for (const name of index % 2 === 0 ? ['redis', 'memory'] : ['memory', 'redis']) {
          if (name === 'memory') {
            const result = await refreshOn('memory');
            memoryMs.push(result.ms);
            continue;
          }
          const before = await commandStats(probe);
          const result = await refreshOn('redis');
          const after = await commandStats(probe);
          const delta = commandsBetween(before, after);
          otherInfo += delta.otherInfo;
          soloStats.push(delta.counts);
          soloUsec.push(delta.usec);
          soloCommandTimes.push(result.commands);
          redisMs.push(result.ms);
          if (result.after !== result.before) rotatedTimed += 1;
        }
      }
      const pings = /** @type {{ busy: number[], idle: number[] }} */ (await solo.run({ op: 'ping', count: PINGS }));
      const updates = /** @type {{ redis: number[], memory: number[] }} */ (
        await solo.run({ op: 'updates', count: config.redisRefreshes, warmup: config.redisRefreshWarmup })
      );
      log(`redis: ${String(config.redisRefreshes)} timed refreshes through each store done`);

      // Under MONITOR (slower, untimed): who sent what.
      let monitor = await startMonitor(server.url, probe);
      /** @type {{ from: number, to: number, stats: Counts, ms: number }[]} */
      const soloWindows = [];
      /** @type {{ from: number, to: number, stats: Counts, ms: number }[]} */
      const slowWindows = [];
      for (let index = 0; index < config.redisMonitored + config.redisSlowRefreshes; index++) {
        const slow = index >= config.redisMonitored;
        const from = await monitor.mark(slow ? 'slow' : 'refresh');
        const before = await commandStats(probe);
        const result = await refreshOn(slow ? 'slow' : 'redis', slow ? SLOW_HOLD_MS : 0);
        const after = await commandStats(probe);
        const to = await monitor.mark('end');
        (slow ? slowWindows : soloWindows).push({
          from,
          to,
          stats: commandsBetween(before, after).counts,
          ms: result.ms,
        });
      }
      let roles = await clientRoles(probe);
      const soloAttributed = soloWindows.map((w) => attribute(monitor.events, w.from, w.to, roles, [PROBE]));
      const slowAttributed = slowWindows.map((w) => attribute(monitor.events, w.from, w.to, roles, [PROBE]));
      await monitor.stop();
      const soloTokenRequests = /** @type {{ tokenRequests: number }} */ (await solo.run({ op: 'state' }))
        .tokenRequests;
      await solo.run({ op: 'close' });
      await solo.close();
      workers.splice(workers.indexOf(solo), 1);
      log('redis: monitored refreshes done');

      // ---- 3. the same refreshes on a Redis Cluster ---------------------------------------------------
      const clusterRun = await refreshesOnCluster(config, log, workers);

      // ---- 4. a second process waiting --------------------------------------------------------------
      let onHolding = () => undefined;
      const refresher = await startWorker({
        script: WORKER,
        onEvent: (/** @type {{ type?: string }} */ event) => {
          if (event.type === 'holding') onHolding();
        },
      });
      workers.push(refresher);
      const waiter = await startWorker({ script: WORKER });
      workers.push(waiter);
      const { authBaseUrl } = /** @type {{ authBaseUrl: string }} */ (
        await refresher.run({
          op: 'setup',
          redisUrl: server.url,
          connectionName: REFRESHER,
          hostFake: true,
          managers: [{ name: 'shared', store: 'redis', key: 'shared' }],
        })
      );
      await waiter.run({
        op: 'setup',
        redisUrl: server.url,
        connectionName: WAITER,
        hostFake: false,
        authBaseUrl,
        managers: [{ name: 'shared', store: 'redis', key: 'shared', fromStore: true }],
      });
      monitor = await startMonitor(server.url, probe);
      /** @type {{ from: number, to: number, stats: Counts, a: RefreshResult, b: RefreshResult, contended: boolean }[]} */
      const waits = [];
      for (let index = 0; index < config.redisWaits; index++) {
        const from = await monitor.mark('wait');
        const before = await commandStats(probe);
        const holding = new Promise((resolve) => {
          onHolding = () => {
            resolve(true);
            return undefined;
          };
        });
        const aRun = /** @type {Promise<RefreshResult>} */ (
          refresher.run({ op: 'refresh', name: 'shared', rejected: true, holdMs: config.redisHoldMs, notify: true })
        );
        // B starts once A's /token request has reached the fake, i.e. while A holds the lock.
        const contended = /** @type {boolean} */ (await Promise.race([holding, aRun.then(() => false)]));
        const bRun = /** @type {Promise<RefreshResult>} */ (
          waiter.run({ op: 'refresh', name: 'shared', rejected: true })
        );
        const [a, b] = await Promise.all([aRun, bRun]);
        const after = await commandStats(probe);
        const to = await monitor.mark('end');
        waits.push({ from, to, stats: commandsBetween(before, after).counts, a, b, contended });
      }
      roles = await clientRoles(probe);
      const waitAttributed = waits.map((w) => attribute(monitor.events, w.from, w.to, roles, [PROBE]));
      const waitSequences = waits.map((w) => sequence(monitor.events, w.from, w.to, roles, [PROBE]));
      await monitor.stop();
      const sharedTokenRequests = /** @type {{ tokenRequests: number }} */ (await refresher.run({ op: 'state' }))
        .tokenRequests;
      for (const worker of [refresher, waiter]) {
        await worker.run({ op: 'close' });
        await worker.close();
      }
      workers.length = 0;
      log(`redis: ${String(config.redisWaits)} refreshes with a waiting process done`);

      return report({
        config,
        redisVersion: server.version,
        hot,
        redisMs,
        memoryMs,
        soloStats,
        soloUsec,
        soloCommandTimes,
        updates,
        otherInfo,
        rotatedTimed,
        pings,
        soloWindows,
        soloAttributed,
        slowWindows,
        slowAttributed,
        soloTokenRequests,
        waits,
        waitAttributed,
        waitSequences,
        sharedTokenRequests,
        clusterRun,
        title: this.title,
      });
    } finally {
      for (const worker of workers) await worker.close().catch(() => undefined);
      probe.disconnect();
      await server.destroy();
    }
  },
};

/**
 * @typedef {object} Measured
 * @property {import('../lib/config.js').BenchConfig} config
 * @property {string} redisVersion
 * @property {HotResult[]} hot
 * @property {number[]} redisMs
 * @property {number[]} memoryMs
 * @property {Counts[]} soloStats commandstats per timed Redis refresh.
 * @property {number[]} soloUsec The server's µs running each one's commands (commandstats).
 * @property {{ name: string, us: number }[][]} soloCommandTimes Each one's commands, timed client-side.
 * @property {{ redis: number[], memory: number[] }} updates ms per store cycle (lock, read, confirm, writeIfNewer, release).
 * @property {number} otherInfo INFO calls by others during them (expected 0).
 * @property {number} rotatedTimed Timed Redis refreshes that returned a new token.
 * @property {{ busy: number[], idle: number[] }} pings µs per PING, back to back and after 1 ms idle.
 * @property {{ from: number, to: number, stats: Counts, ms: number }[]} soloWindows
 * @property {Attribution[]} soloAttributed
 * @property {{ from: number, to: number, stats: Counts, ms: number }[]} slowWindows
 * @property {Attribution[]} slowAttributed
 * @property {number} soloTokenRequests `/token` requests at the solo worker's fake, warm-up included.
 * @property {{ stats: Counts, a: RefreshResult, b: RefreshResult, contended: boolean }[]} waits
 * @property {Attribution[]} waitAttributed
 * @property {{ role: string, label: string }[][]} waitSequences Each wait's commands in the server's order.
 * @property {number} sharedTokenRequests `/token` requests at the refresher's fake in the two-process part.
 * @property {ClusterRun} clusterRun The refreshes on a cluster.
 * @property {string} title
 */

/**
 * Tables, notes and targets from the measurements.
 * @param {Measured} m
 * @returns {import('./index.js').SuiteResult}
 */
function report(m) {
  const { config } = m;

  // ---- 1. the hot path ------------------------------------------------------------------------------
  /** @type {{ key: 'redis' | 'memory' | 'floor', label: string }[]} */
  const loops = [
    { key: 'redis', label: '`last = await manager.getAccessToken()`, **RedisTokenStore**' },
    { key: 'memory', label: '`last = await manager.getAccessToken()`, MemoryTokenStore' },
    { key: 'floor', label: 'floor: `last = await Promise.resolve(value)`' },
  ];
  /** @type {Record<string, { median: number, min: number, max: number, roundMedians: number[], spread: number }>} */
  const hotFigures = {};
  for (const { key } of loops) {
    const all = m.hot.flatMap((r) => r[key]);
    const roundMedians = m.hot.map((r) => median(r[key]));
    hotFigures[key] = {
      median: median(all),
      min: Math.min(...all),
      max: Math.max(...all),
      roundMedians,
      spread: spread(roundMedians),
    };
  }
  const redisHot = hotFigures['redis']?.median ?? Number.NaN;
  const memoryHot = hotFigures['memory']?.median ?? Number.NaN;
  // Each Redis batch against the memory batch next to it (same process, same moment): noise that
  // hits a whole round or process hits both.
  const pairedRatios = m.hot.flatMap((r) => r.redis.map((ns, index) => ns / (r.memory[index] ?? Number.NaN)));
  const hotRatio = median(pairedRatios);
  const hotRows = loops.map(({ key, label }) => {
    const f = hotFigures[key];
    if (f === undefined) return [label];
    return [
      label,
      num(f.median, 1),
      `${num(f.min, 1)}–${num(f.max, 1)}`,
      f.roundMedians.map((value) => num(value, 1)).join(' / '),
      key === 'redis'
        ? `${ratio(hotRatio)} (${ratio(Math.min(...pairedRatios))}–${ratio(Math.max(...pairedRatios))})`
        : key === 'memory'
          ? ratio(1)
          : '–',
    ];
  });
  const hotCommands = m.hot.map((r) => r.commandsTotal);
  const hotCommandsTotal = hotCommands.reduce((sum, count) => sum + count, 0);
  const hotSameToken = m.hot.every((r) => r.sameToken);
  const hotMet = hotCommandsTotal === 0 && redisHot < MAX_HOT_NS && hotRatio <= MAX_HOT_RATIO && hotSameToken;

  // ---- 2. one process alone -------------------------------------------------------------------------
  const redisT = timeFigures(m.redisMs);
  const memoryT = timeFigures(m.memoryMs);
  const paired = m.redisMs.map((ms, index) => ms - (m.memoryMs[index] ?? Number.NaN));
  const extraMs = redisT.median - memoryT.median;
  const pairedMedian = median(paired);
  const pingUs = median(m.pings.busy);
  const idlePingUs = median(m.pings.idle);
  const pingT = timeFigures(m.pings.busy.map((us) => us / 1000));
  const idlePingT = timeFigures(m.pings.idle.map((us) => us / 1000));
  const updateRedisT = timeFigures(m.updates.redis);
  const updateMemoryT = timeFigures(m.updates.memory);
  const updateExtraMs = updateRedisT.median - updateMemoryT.median;
  const serverUs = median(m.soloUsec);
  // Client-side: sendCommand → reply, per command of each timed Redis refresh.
  const inCommandsMs = median(m.soloCommandTimes.map((commands) => commands.reduce((sum, c) => sum + c.us, 0) / 1000));
  /** @type {Record<string, number[]>} */
  const byCommand = {};
  for (const commands of m.soloCommandTimes) {
    commands.forEach((command, index) => {
      (byCommand[`${String(index + 1)}. ${command.name.toUpperCase()}`] ??= []).push(command.us);
    });
  }
  const commandTimesText = Object.entries(byCommand)
    .map(([name, values]) => `${name.replace(/^\d+\. /, '')} ${num(median(values), 0)} µs`)
    .join(', ');
  const soloSent = m.soloAttributed.map((a) => a.sent[REFRESHER]);
  const soloScripts = m.soloAttributed.map((a) => a.inScripts[REFRESHER]);
  const soloOthers = m.soloAttributed.map((a) => total(a.sent[WAITER]) + total(a.sent['unknown']));
  const soloRoundTrips = soloSent.map((sent) => total(sent));
  const soloMonitorTotals = m.soloAttributed.map((a) => a.total);
  const soloMonitorStatsAgree = m.soloWindows.every((w, index) => total(w.stats) === soloMonitorTotals[index]);
  const slowSent = m.slowAttributed.map((a) => a.sent[REFRESHER]);
  const slowRoundTrips = slowSent.map((sent) => total(sent));

  // commandstats, by command, per refresh: timed pass; MONITOR split; slow refreshes.
  const statNames = [
    ...new Set([...m.soloStats.flatMap((s) => Object.keys(s)), ...m.slowWindows.flatMap((w) => Object.keys(w.stats))]),
  ];
  statNames.sort((a, b) => {
    const rank = (/** @type {string} */ name) =>
      STAT_ORDER.includes(name) ? STAT_ORDER.indexOf(name) : STAT_ORDER.length;
    return rank(a) - rank(b) || a.localeCompare(b);
  });
  const sentByName = soloSent.map((sent) => byStatName(sent));
  const scriptsByName = soloScripts.map((scripts) =>
    Object.fromEntries(Object.entries(scripts ?? {}).map(([name, count]) => [name.toLowerCase(), count])),
  );
  const slowStats = m.slowWindows.map((w) => w.stats);
  const commandRows = statNames.map((name) => [
    `\`${name.toUpperCase()}\``,
    countCell(countFigure(m.soloStats, name)),
    countCell(countFigure(sentByName, name)),
    countCell(countFigure(scriptsByName, name)),
    m.slowWindows.length === 0 ? '–' : countCell(countFigure(slowStats, name)),
  ]);
  const soloStatTotals = m.soloStats.map((s) => total(s));
  commandRows.push([
    '**all commands**',
    `**${spanCell(soloStatTotals)}**`,
    `**${spanCell(soloRoundTrips)}** (round trips)`,
    spanCell(m.soloAttributed.map((a) => total(a.inScripts[REFRESHER]))),
    m.slowWindows.length === 0 ? '–' : spanCell(slowStats.map((s) => total(s))),
  ]);
  const soloLabels = labelsOf(soloSent);
  const soloBreakdown = Object.fromEntries(soloLabels.map((label) => [label, countFigure(soloSent, label)]));

  // ---- 3. a second process waiting ---------------------------------------------------------------
  // The first wait also opens the waiter's pub/sub connection: reported apart.
  const steady = m.waits.map((w, index) => ({ ...w, attributed: m.waitAttributed[index] })).slice(1);
  const firstWait = m.waitAttributed[0];
  const aSent = steady.map((w) => w.attributed?.sent[REFRESHER]);
  const bSent = steady.map((w) => w.attributed?.sent[WAITER]);
  const bSubSent = steady.map((w) => w.attributed?.sent[WAITER_PUBSUB]);
  const aSubSent = steady.map((w) => w.attributed?.sent[`${REFRESHER} (pub/sub)`]);
  const waitLabels = labelsOf([...aSent, ...bSent]);
  const aRoundTrips = aSent.map((sent) => total(sent));
  const bRoundTrips = bSent.map((sent) => total(sent));
  const bWakeups = bSent.map((sent) => Math.max(0, (sent?.['SET NX'] ?? 0) - 1));
  const wakeDistribution = [...new Set(bWakeups)]
    .sort((a, b) => a - b)
    .map((wakeups) => `${String(wakeups)} ×${String(bWakeups.filter((value) => value === wakeups).length)}`)
    .join(', ');
  const aMs = steady.map((w) => w.a.ms);
  const bMs = steady.map((w) => w.b.ms);
  const lagMs = steady.map((w) => w.b.endEpochMs - w.a.endEpochMs);
  const contended = m.waits.filter((w) => w.contended).length;
  const sameToken = m.waits.filter((w) => w.b.after === w.a.after && w.a.after !== w.a.before).length;
  const waitStatTotals = steady.map((w) => total(w.stats));
  const waitRows = waitLabels.map((label) => [
    `\`${label}\``,
    countCell(countFigure(aSent, label)),
    countCell(countFigure(bSent, label)),
  ]);
  waitRows.push(
    [
      'commands on its pub/sub connection',
      spanCell(aSubSent.map((sent) => total(sent))),
      spanCell(bSubSent.map((sent) => total(sent))),
    ],
    ['**round trips**', `**${spanCell(aRoundTrips)}**`, `**${spanCell(bRoundTrips)}**`],
    ['wake-ups (lock attempts after the first)', '–', `${spanCell(bWakeups)} (${wakeDistribution})`],
    [
      '`refresh()` wall time, median (p90; max) ms',
      `${num(median(aMs), 2)} (${num(percentile(Float64Array.from(aMs), 90), 2)}; ${num(Math.max(...aMs), 2)})`,
      `${num(median(bMs), 2)} (${num(percentile(Float64Array.from(bMs), 90), 2)}; ${num(Math.max(...bMs), 2)})`,
    ],
  );
  const firstSubCommands = firstWait?.sent[WAITER_PUBSUB] ?? {};
  // B's lock attempts that the server ran after A's write but before A's release: bound to
  // fail, the lock is still A's (none expected: only the release publishes).
  const earlyAttempts = m.waitSequences.slice(1).map((commands) => {
    const written = commands.findIndex((c) => c.role === REFRESHER && c.label === 'EVAL write-if-newer');
    const released = commands.findIndex((c) => c.role === REFRESHER && c.label === 'EVAL release');
    if (written === -1 || released === -1) return 0;
    return commands.slice(written + 1, released).filter((c) => c.role === WAITER && c.label === 'SET NX').length;
  });
  const earlyWaits = earlyAttempts.filter((count) => count > 0).length;
  // Waits B ended by its poll timer: no pub/sub message woke it after A's release.
  const lateIndexes = lagMs.flatMap((lag, index) => (lag >= DEFAULT_POLL_MS / 2 ? [index] : []));
  const lateAfterEarly = lateIndexes.filter((index) => (earlyAttempts[index] ?? 0) > 0).length;
  const onTime = lagMs.filter((lag) => lag < DEFAULT_POLL_MS / 2);

  const roundTripsAll = [...soloRoundTrips, ...aRoundTrips, total(m.waitAttributed[0]?.sent[REFRESHER])];
  const maxRoundTrips = Math.max(...roundTripsAll);
  const coordinationMet = maxRoundTrips <= MAX_ROUND_TRIPS && soloRoundTrips.length > 0;

  // ---- the cluster row: the same client-side count of commands per refresh, standalone vs cluster --------
  const standaloneCounts = m.soloCommandTimes.map((commands) => commands.length);
  const clusterCounts = 'skipped' in m.clusterRun ? [] : m.clusterRun.commands.map((commands) => commands.length);
  const sequenceOf = (/** @type {{ name: string }[][]} */ runs) =>
    [...new Set(runs.map((commands) => commands.map((command) => command.name.toUpperCase()).join(' → ')))].join('; ');
  const clusterMet =
    clusterCounts.length > 0 &&
    Math.max(...clusterCounts) <= Math.max(...standaloneCounts) &&
    median(clusterCounts) <= median(standaloneCounts);
  const clusterRows = [
    ['standalone redis-server', spanCell(standaloneCounts), sequenceOf(m.soloCommandTimes), num(median(m.redisMs), 3)],
    'skipped' in m.clusterRun
      ? ['Redis Cluster, 3 masters', `not measured: ${m.clusterRun.skipped}`, '–', '–']
      : [
          'Redis Cluster, 3 masters',
          spanCell(clusterCounts),
          sequenceOf(m.clusterRun.commands),
          num(median(m.clusterRun.ms), 3),
        ],
  ];

  /** @type {import('./index.js').TargetCheck[]} */
  const targets = [
    {
      name:
        `fresh-token getAccessToken() through RedisTokenStore: 0 Redis commands, < ${num(MAX_HOT_NS)} ns per awaited ` +
        `call, within ${String(MAX_HOT_RATIO)}× of MemoryTokenStore`,
      met: hotMet,
      detail:
        `${String(hotCommandsTotal)} commands at the server during ${String(config.redisHotRounds)} × ` +
        `${String(config.redisHotBatches)} batches of ${num(config.redisHotCalls)} calls of each loop; ` +
        `${num(redisHot, 1)} ns per awaited call through Redis vs ${num(memoryHot, 1)} ns through memory ` +
        `(medians; ${ratio(hotRatio)} by paired batches); every call returned the manager's token: ${hotSameToken ? 'yes' : 'no'}`,
    },
    {
      name: `refresh coordination: ≤ ${String(MAX_ROUND_TRIPS)} Redis round trips per refresh for the refreshing process`,
      met: coordinationMet,
      detail:
        `${listCounts(Object.fromEntries(soloLabels.map((label) => [label, soloBreakdown[label]?.mean ?? 0])))} = ` +
        `${spanCell(soloRoundTrips)} per refresh alone (${String(soloRoundTrips.length)} under MONITOR), ` +
        `${spanCell(aRoundTrips)} with a second process waiting; most in any refresh: ${String(maxRoundTrips)}; ` +
        `${spanCell(soloStatTotals)} commands at the server per refresh (commandstats, scripts' included); ` +
        `+${num(extraMs, 3)} ms per refresh over MemoryTokenStore (medians)`,
    },
    {
      name: 'Redis Cluster: round trips per refresh do not grow over standalone',
      met: clusterMet,
      ...('skipped' in m.clusterRun ? { measured: false } : {}),
      detail:
        'skipped' in m.clusterRun
          ? `not measured: ${m.clusterRun.skipped}`
          : `${spanCell(clusterCounts)} commands sent per refresh on a 3-master cluster vs ${spanCell(standaloneCounts)} ` +
            `standalone (client-side count, each awaited before the next: one round trip each)`,
    },
  ];

  const soloSameEverywhere = soloRoundTrips.every((value) => value === soloRoundTrips[0]);
  const markdown = [
    `Redis ${m.redisVersion}, a redis-server of the suite's own on 127.0.0.1 (\`--save '' --appendonly no\`), ` +
      `ioredis clients; the fake Twitch runs inside each worker process (confidential demo app).`,
    '',
    `**Hot path through Redis.** ${String(config.redisHotRounds)} fresh worker processes each start a fake, a ` +
      `\`TokenManager\` on a \`RedisTokenStore\` and one on a \`MemoryTokenStore\` (system clock, defaults, each ` +
      `given a token fresh from the fake), call \`start()\` on both and wait for their first validation (the ` +
      `Redis one has then written its token: one \`EVAL\` write-if-newer). Then ${String(config.redisHotBatches)} ` +
      `batches of ${num(config.redisHotCalls)} calls of each loop below are timed (after one unmeasured batch of ` +
      `each; the two stores' order alternates per batch), with \`performance.now()\` around each batch. Redis ` +
      `commands are counted on the server: \`INFO commandstats\` from a separate connection before the first ` +
      `timed batch and after the last, the first \`INFO\` itself taken out (the second is not in its own ` +
      `answer). Figures are ns per call: the median of all batches, their range, each round's median; the ` +
      `ratio to the MemoryTokenStore is the median (and range) of each Redis batch divided by the memory ` +
      `batch run next to it.`,
    '',
    markdownTable(
      ['loop', 'ns/call (median)', 'min–max', 'round medians', '× memory store (paired batches)'],
      hotRows,
      'lrrrr',
    ),
    '',
    `- Redis commands the server ran during the timed batches: **${String(hotCommandsTotal)}** ` +
      `(per round: ${hotCommands.map(String).join(' / ')}); at start-up, before them: ` +
      `${listCounts(statOrder(m.hot[0]?.commandsAtStart ?? {}))} (the store's connection: HELLO, CLIENT SETNAME and the ` +
      `ready check's INFO; the first write: EVAL and the commands its script runs). Every call returned the ` +
      `manager's token: ${hotSameToken ? 'yes' : '**no**'}.`,
    '',
    `**Refresh wall time.** One worker process holds the fake and two \`TokenManager\`s, one on a ` +
      `\`RedisTokenStore\` (defaults) and one on a \`MemoryTokenStore\`, not started (no timers), each with its ` +
      `own token. After ${String(config.redisRefreshWarmup)} unmeasured refreshes of each, ` +
      `${String(config.redisRefreshes)} \`manager.refresh()\` calls through each store alternate (the order ` +
      `flips every pair), each timed in the worker from the call to its resolve; every one is a real refresh ` +
      `at the fake (HTTP \`POST /token\`, a new token). Between refreshes this process reads \`INFO ` +
      `commandstats\` (untimed), which gives the server-side commands of each Redis refresh below. The ` +
      `coordination cost is the Redis median minus the memory median (and, as a check, the median of the ` +
      `${String(m.redisMs.length)} paired differences). A Redis round trip from the same worker (\`PING\`, ` +
      `${String(PINGS)} times right after another one, and ${String(PINGS)} times after 1 ms without a ` +
      `command, as between a refresh's commands that wait for HTTP) is given for scale, and so is the store alone: ${String(m.updates.redis.length)} ` +
      `store cycles on each store, the refresh protocol with a new token at once instead of the HTTP call ` +
      `(\`lock()\`, \`read()\`, \`confirm()\`, \`writeIfNewer()\` one generation up, \`release()\`; same ` +
      `warm-up, interleaved), timed in the same worker.`,
    '',
    markdownTable(
      ['what', 'median ms', 'p90 ms', 'min ms', 'max ms'],
      [
        ['`manager.refresh()`, **RedisTokenStore**', redisT],
        ['`manager.refresh()`, MemoryTokenStore', memoryT],
        ['store cycle (lock, read, confirm, writeIfNewer, release), RedisTokenStore', updateRedisT],
        ['store cycle (lock, read, confirm, writeIfNewer, release), MemoryTokenStore', updateMemoryT],
        ['one Redis round trip (`PING`), right after another', pingT],
        ['one Redis round trip (`PING`) after 1 ms without one', idlePingT],
      ].map(
        /** @param {[string, ReturnType<typeof timeFigures>]} row */ ([label, f]) => [
          label,
          num(f.median, 3),
          num(f.p90, 3),
          num(f.min, 3),
          num(f.max, 2),
        ],
      ),
      'lrrrr',
    ),
    '',
    `- Coordination cost: **+${num(extraMs, 3)} ms** per refresh (difference of the medians; median of the ` +
      `paired differences +${num(pairedMedian, 3)} ms), i.e. ${ratio(redisT.median / memoryT.median)} the ` +
      `memory store's refresh. The store alone, without the HTTP call: a store cycle +${num(updateExtraMs, 3)} ms ` +
      `over the memory store's. For scale: ${spanCell(soloRoundTrips)} sequential \`PING\` round trips take ` +
      `${num((pingUs * (soloRoundTrips[0] ?? 0)) / 1000, 3)} ms back to back, ` +
      `${num((idlePingUs * (soloRoundTrips[0] ?? 0)) / 1000, 3)} ms if each follows a pause ` +
      `(${num(pingUs, 0)} and ${num(idlePingUs, 0)} µs, medians), and the ` +
      `server spent ${num(serverUs, 0)} µs per refresh running its ${spanCell(soloStatTotals)} commands ` +
      `(commandstats \`usec\`, median). Inside the timed refreshes, the process waited ` +
      `${num(inCommandsMs, 3)} ms per refresh for its Redis commands (median of the sums; each command timed ` +
      `from ioredis's \`sendCommand\` to its reply, in order: ${commandTimesText}, medians): a round trip ` +
      `inside a refresh costs more than a \`PING\` in a loop.`,
    `- Timed Redis refreshes that returned a new token: ${String(m.rotatedTimed)}/${String(m.redisMs.length)}; ` +
      `\`/token\` requests at the fake over the whole part: ${String(m.soloTokenRequests)} ` +
      `(${String(2 * (config.redisRefreshWarmup + config.redisRefreshes) + config.redisMonitored + config.redisSlowRefreshes)} refreshes).`,
    '',
    `**Commands per refresh, the refreshing process alone.** The first column is the server's \`INFO ` +
      `commandstats\` delta around each of the ${String(m.soloStats.length)} timed Redis refreshes above (it ` +
      `counts the commands a Lua script runs too). The next two split the same commands by who sent them, from a ` +
      `\`MONITOR\` recording of ${String(m.soloAttributed.length)} further refreshes (untimed: MONITOR slows ` +
      `the server): the commands the worker's connection sent, each a round trip (the store sends one at a ` +
      `time and awaits it), and those the server ran inside its scripts (MONITOR shows them with the source ` +
      `\`lua\`, right after their \`EVAL\`). The last column is ${String(m.slowWindows.length)} slow refreshes: ` +
      `a store with \`lockTtlMs: ${String(SLOW_LOCK_TTL_MS)}\` (renewed every ${String(SLOW_LOCK_TTL_MS / 3)} ms) ` +
      `and the fake holding the \`/token\` answer ${String(SLOW_HOLD_MS)} ms. Cells are means per refresh, with ` +
      `the range when it varied.`,
    '',
    markdownTable(
      [
        'command',
        'per refresh (commandstats)',
        'sent by the process (MONITOR)',
        'run inside its scripts (MONITOR)',
        `slow refresh (commandstats)`,
      ],
      commandRows,
      'lrrrr',
    ),
    '',
    `- The refreshing process's round trips per refresh (MONITOR): ` +
      `${listCounts(Object.fromEntries(soloLabels.map((label) => [label, soloBreakdown[label]?.mean ?? 0])))} = ` +
      `**${spanCell(soloRoundTrips)}**${soloSameEverywhere ? ' in every refresh' : ''}. ` +
      `The scripts: the confirm (GET the lock, HGET the generation, HSET the spend mark, PEXPIRE the lock), ` +
      `the write (HMGET the record, HSET it with no mark if the generation is newer) and the release (GET the lock, DEL it, PUBLISH ` +
      `\`released\`).`,
    `- Slow refreshes (${num(median(m.slowWindows.map((w) => w.ms)), 1)} ms each, median): ` +
      `${listCounts(meanCounts(slowSent))} = ${spanCell(slowRoundTrips)} round trips, the renewals running ` +
      `beside the refresh, not in its path (one per ${String(SLOW_LOCK_TTL_MS / 3)} ms of refresh).`,
    `- Check: MONITOR's command count per refresh equals the commandstats delta around the same refresh: ` +
      `${soloMonitorStatsAgree ? 'yes' : '**no**'}; INFO calls by anyone but this process during the timed ` +
      `refreshes: ${String(m.otherInfo)}; commands by other connections: ${String(soloOthers.reduce((s, v) => s + v, 0))}.`,
    '',
    `**A second process waiting.** Two worker processes, each a \`TokenManager\` (not started) on its own ` +
      `\`RedisTokenStore\` and ioredis connection, share one token key; the refresher (A) holds the fake, the ` +
      `waiter (B) reaches it over HTTP and loaded the token from Redis. ${String(config.redisWaits)} times: A ` +
      `calls \`refresh(stale)\` with the fake holding the \`/token\` answer ${String(config.redisHoldMs)} ms; ` +
      `when the request reaches the fake (A holds the lock), A's worker tells this process, which has B call ` +
      `\`refresh(stale)\` with the same stale token, as after a Helix 401 in both replicas. B finds the lock ` +
      `taken, waits for the pub/sub message, takes the lock, reads the new token and returns it without a ` +
      `refresh of its own. Commands are split by connection from a \`MONITOR\` recording (the waiter's ` +
      `pub/sub connection shows apart; scripts' commands are left out: they are no round trips); the ` +
      `wall times are under MONITOR too. The first wait also opens B's pub/sub connection and is left out ` +
      `of the table (${String(steady.length)} waits): cells are means per refresh, with the range when it varied.`,
    '',
    markdownTable(['per refresh', 'refresher (A)', 'waiter (B)'], waitRows, 'lrr'),
    '',
    `- The first wait, once per process: B's pub/sub connection sent ${listCounts(firstSubCommands)} ` +
      `(connect, then PSUBSCRIBE to \`bench:*\`, every events channel of the prefix); B's own commands then: ` +
      `${listCounts(firstWait?.sent[WAITER] ?? {})}.`,
    earlyWaits === 0
      ? `- B's wake-ups: in none of the ${String(earlyAttempts.length)} waits did the server run a lock attempt ` +
        `of B between A's write and A's release (MONITOR order): only the release publishes, so B is ` +
        `woken once the lock is free.`
      : `- B's early attempts: in ${String(earlyWaits)} of ${String(earlyAttempts.length)} waits the server ran a ` +
        `lock attempt of B between A's write and A's release (MONITOR order). Only the release ` +
        `publishes, so such an attempt came from B's poll timer or a message of an earlier refresh; it fails ` +
        `and B waits again for \`released\`.`,
    `- B resolved ${num(median(lagMs), 3)} ms (median; p90 ${num(percentile(Float64Array.from(lagMs), 90), 3)} ms, ` +
      `max ${num(Math.max(...lagMs), 1)} ms) after A's \`refresh()\` resolved (clocks of two processes: ` +
      `\`performance.timeOrigin + now()\`). The server ran ${spanCell(waitStatTotals)} commands per contended ` +
      `refresh (commandstats, scripts' included).`,
    lateIndexes.length === 0
      ? `- Lost wake-ups: none; B resolved within ${num(Math.max(...lagMs), 1)} ms of A in every wait (its poll ` +
        `timer, \`pollIntervalMs\` ${String(DEFAULT_POLL_MS)} ms by default, never had to end a wait).`
      : `- **Lost wake-ups: in ${String(lateIndexes.length)} of ${String(lagMs.length)} waits B resolved ` +
        `${lateIndexes.map((index) => num(lagMs[index] ?? Number.NaN, 0)).join(', ')} ms after A**, i.e. only when ` +
        `its poll timer (\`pollIntervalMs\`, ${String(DEFAULT_POLL_MS)} ms by default) ended the wait: A's ` +
        `\`released\` message did not wake it. Of these, ${String(lateAfterEarly)} had a lock attempt of B ` +
        `between A's write and A's release (above): that attempt's failure reaches B about when ` +
        `\`released\` does, and a message handled before B is waiting again wakes no one (the store keeps ` +
        `no record of it). Without those, B ` +
        `resolved within ${num(Math.max(...onTime), 1)} ms of A.`,
    `- B started while A held the lock: ${String(contended)}/${String(m.waits.length)}; B ended with A's new ` +
      `token: ${String(sameToken)}/${String(m.waits.length)}; \`/token\` requests at the fake: ` +
      `${String(m.sharedTokenRequests)} for ${String(m.waits.length)} refreshes (no second refresh).`,
    '',
    `**On a Redis Cluster.** The refreshing worker again, its store on an ioredis \`Cluster\` of three masters ` +
      `(no replicas) started by the suite, after ${String(config.redisRefreshWarmup)} unmeasured refreshes: ` +
      `${'skipped' in m.clusterRun ? '0' : String(m.clusterRun.commands.length)} \`manager.refresh()\` calls, ` +
      `each command the process sent counted client-side (from ioredis's \`sendCommand\` to its reply; the store ` +
      `awaits each before the next, so each is a round trip), as for the standalone timed refreshes above. ` +
      `Every key of a token (record, lock, channel) carries the hash tag \`{<key>}\`, so each script runs on the ` +
      `one node of the token's slot: no command is redirected or split.`,
    '',
    markdownTable(
      ['store on', 'round trips per refresh', 'commands, in order', 'refresh median ms'],
      clusterRows,
      'lrlr',
    ),
  ].join('\n');

  return {
    title: m.title,
    markdown,
    targets,
    data: {
      redisVersion: m.redisVersion,
      hot: {
        calls: config.redisHotCalls,
        batches: config.redisHotBatches,
        rounds: config.redisHotRounds,
        figures: hotFigures,
        ratio: hotRatio,
        pairedRatios,
        batchesNs: m.hot.map((r) => ({ redis: r.redis, memory: r.memory, floor: r.floor })),
        commandsDuring: m.hot.map((r) => r.commandsDuring),
        commandsAtStart: m.hot.map((r) => r.commandsAtStart),
        sameToken: hotSameToken,
        targetNs: MAX_HOT_NS,
        targetRatio: MAX_HOT_RATIO,
      },
      refresh: {
        refreshes: config.redisRefreshes,
        warmup: config.redisRefreshWarmup,
        redisMs: redisT,
        memoryMs: memoryT,
        extraMs,
        pairedMedianMs: pairedMedian,
        pingUs,
        idlePingUs,
        updateMs: { redis: updateRedisT, memory: updateMemoryT, extra: updateExtraMs },
        serverUsPerRefresh: serverUs,
        inCommandsMsPerRefresh: inCommandsMs,
        commandUs: Object.fromEntries(Object.entries(byCommand).map(([name, values]) => [name, median(values)])),
        commandstatsPerRefresh: Object.fromEntries(statNames.map((name) => [name, countFigure(m.soloStats, name)])),
        roundTrips: soloRoundTrips,
        roundTripBreakdown: soloBreakdown,
        monitorAgreesWithCommandstats: soloMonitorStatsAgree,
        slow: {
          lockTtlMs: SLOW_LOCK_TTL_MS,
          holdMs: SLOW_HOLD_MS,
          ms: m.slowWindows.map((w) => w.ms),
          sent: slowSent,
          commandstats: slowStats,
        },
        tokenRequests: m.soloTokenRequests,
      },
      waiting: {
        waits: config.redisWaits,
        holdMs: config.redisHoldMs,
        refresher: { sent: meanCounts(aSent), roundTrips: aRoundTrips, ms: aMs },
        waiter: { sent: meanCounts(bSent), roundTrips: bRoundTrips, wakeups: bWakeups, ms: bMs },
        firstWait,
        earlyAttempts,
        lagMs,
        lostWakeups: lateIndexes.length,
        lostWakeupsAfterEarlyAttempt: lateAfterEarly,
        commandstatsTotals: waitStatTotals,
        contended,
        sameToken,
        tokenRequests: m.sharedTokenRequests,
      },
      targetRoundTrips: MAX_ROUND_TRIPS,
      cluster:
        'skipped' in m.clusterRun
          ? m.clusterRun
          : { roundTrips: clusterCounts, standaloneRoundTrips: standaloneCounts, ms: m.clusterRun.ms },
    },
  };
}
