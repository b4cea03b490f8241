/**
 * A redis-server of the redis suite's own: a free loopback port, a temporary directory, nothing
 * persisted (`--save '' --appendonly no`). `REDIS_SERVER` names another binary, as for the tests.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REDIS_SERVER = process.env['REDIS_SERVER'] ?? 'redis-server';
const REDIS_CLI = process.env['REDIS_CLI'] ?? 'redis-cli';

/**
 * @typedef {object} BenchRedis
 * @property {number} port
 * @property {string} url `redis://127.0.0.1:<port>`
 * @property {string} version As `redis-server --version` says it.
 * @property {() => Promise<void>} destroy Stops the server and deletes its directory.
 */

/**
 * Whether redis-server can run here.
 * @returns {{ ok: true, version: string } | { ok: false, reason: string }}
 */
export function probeRedisServer() {
  const probe = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  if (probe.error === undefined && probe.status === 0) {
    return { ok: true, version: /v=(\S+)/.exec(probe.stdout)?.[1] ?? probe.stdout.trim() };
  }
  return {
    ok: false,
    reason: `${REDIS_SERVER}: ${probe.error?.message ?? `exit ${String(probe.status)}`}`,
  };
}

/** @returns {Promise<number>} A port free on 127.0.0.1 at the time of asking. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

/**
 * Starts redis-server; tries another port if the one picked was taken meanwhile.
 * @param {string} version
 * @returns {Promise<BenchRedis>}
 */
export async function startRedisServer(version) {
  const dir = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-bench-redis-'));
  /** @type {unknown} */
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // A bench that dies must not leave the server running.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    let seen = '';
    const collect = (/** @type {Buffer} */ chunk) => {
      seen = (seen + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`redis-server did not get ready within 10 s: ${seen.slice(-500)}`));
        }, 10_000);
        child.stdout.on('data', () => {
          if (seen.includes('Ready to accept connections')) {
            clearTimeout(timer);
            resolve(undefined);
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`redis-server exited (${String(code)}): ${seen.slice(-500)}`));
        });
        child.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
    } catch (error) {
      lastError = error;
      child.kill('SIGKILL');
      await exited;
      process.removeListener('exit', killOnExit);
      continue;
    }
    return {
      port,
      url: `redis://127.0.0.1:${String(port)}`,
      version,
      async destroy() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        process.removeListener('exit', killOnExit);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/**
 * Whether a Redis Cluster can be made here (`redis-cli --cluster create`).
 * @returns {{ ok: true } | { ok: false, reason: string }}
 */
export function probeRedisCli() {
  const probe = spawnSync(REDIS_CLI, ['--version'], { encoding: 'utf8' });
  if (probe.error === undefined && probe.status === 0) return { ok: true };
  return { ok: false, reason: `${REDIS_CLI}: ${probe.error?.message ?? `exit ${String(probe.status)}`}` };
}

/**
 * @typedef {object} BenchCluster
 * @property {{ host: string, port: number }[]} nodes The masters, as startup nodes.
 * @property {() => Promise<void>} destroy Stops the nodes and deletes their directory.
 */

/**
 * A port free on 127.0.0.1 whose cluster bus port (port + 10000) is free too.
 * @returns {Promise<number>}
 */
async function freeClusterPort() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    const free = async (/** @type {number} */ candidate) =>
      new Promise((resolve) => {
        const server = net.createServer().once('error', () => resolve(false));
        server.listen(candidate, '127.0.0.1', () => server.close(() => resolve(true)));
      });
    if ((await free(port)) && (await free(port + 10_000))) return port;
  }
  throw new Error('no free cluster port');
}

/**
 * Starts a Redis Cluster of three masters on loopback ports (nothing persisted) and joins them.
 * @returns {Promise<BenchCluster>}
 */
export async function startRedisCluster() {
  const dir = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-bench-cluster-'));
  /** @type {import('node:child_process').ChildProcess[]} */
  const children = [];
  const killAll = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const destroy = async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    }
    process.removeListener('exit', killAll);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    /** @type {number[]} */
    const ports = [];
    for (let index = 0; index < 3; index++) {
      const port = await freeClusterPort();
      ports.push(port);
      const child = spawn(
        REDIS_SERVER,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${String(port)}.conf`,
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(child);
      let seen = '';
      child.stderr.resume();
      await new Promise((resolve, reject) => {
        child.stdout.on('data', (/** @type {Buffer} */ chunk) => {
          seen = (seen + chunk.toString()).slice(-4000);
          if (seen.includes('Ready to accept connections')) resolve(undefined);
        });
        child.once('exit', (code) => {
          reject(new Error(`cluster node exited (${String(code)}): ${seen.slice(-500)}`));
        });
      });
    }
    const created = spawnSync(
      REDIS_CLI,
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${String(port)}`), '--cluster-yes'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    const { Redis } = await import('ioredis');
    for (const port of ports) {
      const node = new Redis(port, '127.0.0.1');
      node.on('error', () => undefined);
      for (let tries = 0; ; tries++) {
        const info = await node.cluster('INFO').catch(() => '');
        if (String(info).includes('cluster_state:ok')) break;
        if (tries > 200) throw new Error(`cluster node ${String(port)} never reached cluster_state:ok`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      node.disconnect();
    }
    return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), destroy };
  } catch (error) {
    await destroy();
    throw error;
  }
}
