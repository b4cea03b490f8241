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
