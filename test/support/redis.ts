import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './login.js';

/** A redis-server of the test's own, on a free loopback port. */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Stops the server (it saves its append-only file first), as an outage would. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

const REDIS_SERVER = process.env['REDIS_SERVER'] ?? 'redis-server';

/**
 * Why Redis tests cannot run here, or `undefined` when they can. Outside CI a missing redis-server
 * skips them with this reason; with CI=true it fails them.
 */
export function redisUnavailableReason(): string | undefined {
  const probe = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  if (probe.error === undefined && probe.status === 0) return undefined;
  return `redis-server not found (${probe.error?.message ?? `exit ${String(probe.status)}`}). Install it (apt-get install redis-server) or set REDIS_SERVER.`;
}

/** Starts redis-server on a free port, persisting every write (so a restart loses nothing). */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-redis-'));
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const output = child.stdout;
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      output?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('Ready to accept connections')) resolve();
      });
      child?.once('exit', (code) => {
        reject(new Error(`redis-server exited (${String(code)}): ${seen.slice(-500)}`));
      });
    });
    output?.resume();
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running?.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${String(port)}`,
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
