/**
 * Child process entry of the http-clients suite: loads ONE client and runs jobs with it, one at a
 * time: throughput cells (each against a fresh fake) or the memory run.
 */
import { fakeCall, serveJobs } from '../../lib/worker-ipc.js';
import { percentile } from '../../lib/stats.js';
import { CLIENTS } from './clients.js';

/** @typedef {import('../../lib/fake-process.js').FakeStats} FakeStats */
/** @typedef {import('../../lib/fake-process.js').FakeTarget} FakeTarget */

/**
 * @typedef {object} ThroughputJob
 * @property {'throughput'} mode
 * @property {string} client A key of CLIENTS; the same in every job of a worker.
 * @property {'validate' | 'refresh'} op
 * @property {number} concurrency
 * @property {number} calls Measured calls.
 * @property {number} warmup Unmeasured calls before them, at the same concurrency.
 */

/**
 * @typedef {object} PrimeJob Brings the JIT to a steady state before anything is measured.
 * @property {'prime'} mode
 * @property {string} client
 * @property {number} calls Validate and refresh in turn.
 * @property {number} concurrency
 * @property {number} blockSize Calls per reported block.
 */

/**
 * @typedef {object} MemoryJob
 * @property {'memory'} mode
 * @property {string} client
 * @property {number} calls
 * @property {number} checkpoint
 * @property {number} concurrency
 */

/**
 * @typedef {object} CellResult One cell's figures.
 * @property {'validate' | 'refresh'} op
 * @property {number} concurrency
 * @property {number} callsPerSecond
 * @property {number} elapsedMs
 * @property {number} p50Ms
 * @property {number} p99Ms
 * @property {number} cpuMicrosPerCall The worker's user+system CPU time per measured call.
 * @property {number} fakeCpuPercent How busy the fake's process was while measuring.
 * @property {{ warmup: number, measured: number, total: number }} connections Opened at the fake.
 */

/**
 * Makes `total` calls, `concurrency` at a time; records each call's latency (ms) when asked.
 * @param {(index: number) => Promise<void>} call
 * @param {number} total
 * @param {number} concurrency
 * @param {Float64Array} [latencies]
 */
async function drive(call, total, concurrency, latencies) {
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const index = next++;
      const start = performance.now();
      await call(index);
      if (latencies !== undefined) latencies[index] = performance.now() - start;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
}

async function collectGarbage() {
  if (typeof globalThis.gc !== 'function') throw new Error('Run the worker with --expose-gc.');
  for (let pass = 0; pass < 3; pass++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function memory() {
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers };
}

/**
 * A fresh fake (no connections, no records) and a client pointed at it, with two fresh tokens of
 * the demo app: one to validate, one to refresh. Two, because refreshing retires its own grant's
 * access tokens beyond the 50 newest, as Twitch does.
 * @param {string} name
 */
async function freshClient(name) {
  const spec = CLIENTS[name];
  if (spec === undefined) throw new Error(`Unknown client ${name}`);
  const target = /** @type {FakeTarget} */ (await fakeCall('reset'));
  const forValidate = await fakeCall('issueUserToken');
  const forRefresh = await fakeCall('issueUserToken');
  await fakeCall('clearRecords');
  Object.assign(process.env, spec.env?.(target));
  const client = await spec.create(target);
  return {
    client,
    /** @type {string} */ accessToken: forValidate.accessToken,
    /** @type {string} */ refreshToken: forRefresh.refreshToken,
  };
}

/**
 * @param {ThroughputJob} job
 * @returns {Promise<CellResult>}
 */
async function throughput(job) {
  const { op, concurrency } = job;
  const { client, accessToken, refreshToken } = await freshClient(job.client);
  const call = op === 'validate' ? () => client.validate(accessToken) : () => client.refresh(refreshToken);

  // No forced GC before measuring: users' calls meet the collector as it comes, and a full GC
  // before each short cell made the allocation-heavier clients look cheaper than they are.
  await drive(call, job.warmup, concurrency);

  const latencies = new Float64Array(job.calls);
  const before = /** @type {FakeStats} */ (await fakeCall('stats'));
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await drive(call, job.calls, concurrency, latencies);
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const after = /** @type {FakeStats} */ (await fakeCall('stats'));
  await client.close?.();

  return {
    op,
    concurrency,
    callsPerSecond: job.calls / (elapsedMs / 1000),
    elapsedMs,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuMicrosPerCall: (cpu.user + cpu.system) / job.calls,
    fakeCpuPercent: (100 * (after.cpuMicros - before.cpuMicros)) / 1000 / (after.wallMs - before.wallMs),
    connections: {
      warmup: before.connectionCount,
      measured: after.connectionCount - before.connectionCount,
      total: after.connectionCount,
    },
  };
}

/**
 * Validate and refresh in turn; returns the calls/s of each block of `blockSize` calls, which
 * shows whether the client reached a steady state.
 * @param {PrimeJob} job
 */
async function prime(job) {
  const { client, accessToken, refreshToken } = await freshClient(job.client);
  const call = (/** @type {number} */ index) =>
    index % 2 === 0 ? client.validate(accessToken) : client.refresh(refreshToken);
  /** @type {number[]} */
  const blocks = [];
  for (let done = 0; done < job.calls; done += job.blockSize) {
    const size = Math.min(job.blockSize, job.calls - done);
    const started = performance.now();
    await drive(call, size, job.concurrency);
    blocks.push(size / ((performance.now() - started) / 1000));
  }
  await client.close?.();
  return { blocks };
}

/** @param {MemoryJob} job */
async function memoryRun(job) {
  const { client, accessToken, refreshToken } = await freshClient(job.client);
  /** Validate and refresh in turn. */
  const call = (/** @type {number} */ index) =>
    index % 2 === 0 ? client.validate(accessToken) : client.refresh(refreshToken);

  await collectGarbage();
  const start = memory();
  await drive(call, job.checkpoint, job.concurrency);
  await collectGarbage();
  const checkpoint = memory();
  await drive((index) => call(index + job.checkpoint), job.calls - job.checkpoint, job.concurrency);
  await collectGarbage();
  const end = memory();
  const { connectionCount } = /** @type {FakeStats} */ (await fakeCall('stats'));
  return { start, checkpoint, end, connections: connectionCount };
}

serveJobs((/** @type {ThroughputJob | PrimeJob | MemoryJob} */ job) => {
  switch (job.mode) {
    case 'throughput':
      return throughput(job);
    case 'prime':
      return prime(job);
    case 'memory':
      return memoryRun(job);
  }
});
