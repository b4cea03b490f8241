import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';

// Real servers for the Redis tests: standalone redis-server (with or without persistence), a
// 3-master Redis Cluster on loopback ports, and one master + one replica + one Sentinel. Each is
// started by the test that needs it, on free loopback ports, in a temporary directory deleted after.

const REDIS_SERVER = process.env['REDIS_SERVER'] ?? 'redis-server';
const REDIS_CLI = process.env['REDIS_CLI'] ?? 'redis-cli';
const REDIS_SENTINEL = process.env['REDIS_SENTINEL'] ?? 'redis-sentinel';

/** Every server process started here, killed when the test process exits whatever happens. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function probe(command: string, args: readonly string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error === undefined && result.status === 0) return undefined;
  return result.error?.message ?? `exit ${String(result.status)}`;
}

/**
 * Why Redis tests cannot run here, or `undefined` when they can. Outside CI a missing program
 * skips them with this reason; with CI=true it fails them.
 */
export function redisUnavailableReason(): string | undefined {
  const server = probe(REDIS_SERVER, ['--version']);
  if (server !== undefined) {
    return `redis-server not found (${server}). Install it (apt-get install redis-server) or set REDIS_SERVER.`;
  }
  return undefined;
}

/** Why the cluster and Sentinel tests cannot run here (redis-cli, redis-sentinel, openssl), or `undefined`. */
export function redisToolsUnavailableReason(): string | undefined {
  const missing: string[] = [];
  if (probe(REDIS_CLI, ['--version']) !== undefined) missing.push('redis-cli (apt-get install redis-tools)');
  if (probe(REDIS_SENTINEL, ['--version']) !== undefined && probe(REDIS_SERVER, ['--version']) !== undefined) {
    missing.push('redis-sentinel (apt-get install redis-sentinel)');
  }
  if (probe('openssl', ['version']) !== undefined) missing.push('openssl (apt-get install openssl)');
  return missing.length === 0 ? undefined : `missing ${missing.join(', ')}`;
}

/** A port free on 127.0.0.1, with `port + offset` free too (a cluster node's bus port). */
export async function freeLoopbackPort(offset = 0): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = offset === 0 ? await bind(0) : 20_000 + Math.floor(Math.random() * 30_000);
    if (offset === 0) return port;
    if ((await bind(port).catch(() => undefined)) === undefined) continue;
    if ((await bind(port + offset).catch(() => undefined)) === undefined) continue;
    return port;
  }
  throw new Error('No free loopback port.');
}

function bind(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  });
}

/** How a test server keeps its data. */
export type Persistence =
  /** None: a restart empties it. */
  | 'none'
  /** Append-only file, fsync on every write: a restart loses nothing. */
  | 'aof'
  /** RDB snapshots only when asked (`SAVE`/`BGSAVE`): a restart goes back to the last one. */
  | 'rdb';

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Default: `'aof'`. */
  readonly persistence?: Persistence;
  /** More `redis-server` arguments, e.g. `['--requirepass', 'x']`. */
  readonly args?: readonly string[];
  /** Serve TLS only, with this certificate and key (files). */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** A redis-server of the test's own, on a free loopback port. */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Its data directory (dump.rdb, the append-only file). */
  readonly dir: string;
  /** Whether it is running. */
  readonly running: boolean;
  /** The process id while running. */
  readonly pid: number | undefined;
  /** Stops it: SIGTERM (it saves what its persistence says first) or SIGKILL (nothing saved). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** An admin connection (closed by {@link destroy}). */
  admin(): Promise<Redis>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

/** Starts a server, resolving once it accepts connections (or rejecting with its last output). */
function spawnServer(command: string, args: readonly string[], readyLine: RegExp): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return new Promise<ChildProcess>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen = (seen + chunk.toString()).slice(-4000);
      if (readyLine.test(seen)) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        child.off('exit', onExit);
        resolve(child);
      }
    };
    const onExit = (code: number | null): void => {
      reject(new Error(`${command} exited (${String(code)}): ${seen.slice(-1000)}`));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4000);
    });
    child.once('exit', onExit);
  });
}

async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (child?.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGCONT');
  child.kill(signal);
  await exited;
}

function persistenceArgs(persistence: Persistence): string[] {
  switch (persistence) {
    case 'aof':
      return ['--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
    case 'rdb':
      return ['--appendonly', 'no', '--save', ''];
    case 'none':
      return ['--appendonly', 'no', '--save', ''];
  }
}

/** Starts redis-server on a free loopback port. */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  const port = await freeLoopbackPort();
  const dir = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-redis-'));
  const persistence = options.persistence ?? 'aof';
  const listen =
    options.tls === undefined
      ? ['--port', String(port)]
      : [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--tls-cert-file',
          options.tls.cert,
          '--tls-key-file',
          options.tls.key,
          '--tls-auth-clients',
          'no',
        ];
  let child: ChildProcess | undefined;
  const admins: Redis[] = [];
  const start = async (): Promise<void> => {
    if (persistence === 'none') rmSync(join(dir, 'dump.rdb'), { force: true });
    child = await spawnServer(
      REDIS_SERVER,
      [
        ...listen,
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        ...persistenceArgs(persistence),
        '--enable-debug-command',
        'yes',
        ...(options.args ?? []),
      ],
      /Ready to accept connections/,
    );
  };
  await start();
  const password = passwordIn(options.args);
  return {
    port,
    url: `${options.tls === undefined ? 'redis' : 'rediss'}://127.0.0.1:${String(port)}`,
    dir,
    get running() {
      return child?.exitCode === null && child.signalCode === null;
    },
    get pid() {
      return child?.pid;
    },
    stop: async (signal = 'SIGTERM') => {
      const stopping = child;
      child = undefined;
      await stopProcess(stopping, signal);
    },
    start,
    admin: async () => {
      const admin = new Redis(port, '127.0.0.1', {
        ...(password === undefined ? {} : { password }),
        maxRetriesPerRequest: 1,
        retryStrategy: () => 50,
      });
      admin.on('error', () => undefined);
      admins.push(admin);
      await new Promise((resolve) => admin.once('ready', resolve));
      return admin;
    },
    destroy: async () => {
      for (const admin of admins) admin.disconnect();
      const stopping = child;
      child = undefined;
      await stopProcess(stopping, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function passwordIn(args: readonly string[] | undefined): string | undefined {
  const index = args?.indexOf('--requirepass') ?? -1;
  return index === -1 ? undefined : args?.[index + 1];
}

/** Copies the server's RDB snapshot aside (after `SAVE`), to restore later: "an older snapshot". */
export async function snapshot(redis: TestRedis, name: string): Promise<void> {
  const admin = await redis.admin();
  await admin.save();
  copyFileSync(join(redis.dir, 'dump.rdb'), join(redis.dir, name));
}

/** Stops the server (nothing saved), puts an older snapshot back and starts it from there. */
export async function restartFromSnapshot(redis: TestRedis, name: string): Promise<void> {
  await redis.stop('SIGKILL');
  copyFileSync(join(redis.dir, name), join(redis.dir, 'dump.rdb'));
  rmSync(join(redis.dir, 'appendonlydir'), { recursive: true, force: true });
  await redis.start();
}

/** A Redis Cluster of three masters (no replicas) on loopback ports. */
export interface TestCluster {
  /** The nodes' ports. */
  readonly ports: readonly number[];
  /** Startup nodes for `new Cluster(...)`. */
  readonly nodes: readonly { host: string; port: number }[];
  /** A cluster client of the test's own (closed by {@link destroy}). */
  client(options?: ConstructorParameters<typeof Cluster>[1]): Promise<Cluster>;
  destroy(): Promise<void>;
}

/** Starts three `redis-server --cluster-enabled yes` and joins them with `redis-cli --cluster create`. */
export async function startCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const clients: Cluster[] = [];
  try {
    for (let index = 0; index < 3; index++) {
      // The cluster bus listens on port + 10000.
      const port = await freeLoopbackPort(10_000);
      ports.push(port);
      children.push(
        await spawnServer(
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
            '--cluster-node-timeout',
            '2000',
            '--appendonly',
            'no',
            '--save',
            '',
          ],
          /Ready to accept connections/,
        ),
      );
    }
    const created = spawnSync(
      REDIS_CLI,
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${String(port)}`), '--cluster-yes'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await waitForClusterOk(ports);
  } catch (error) {
    for (const child of children) await stopProcess(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
  return {
    ports,
    nodes,
    client: async (options = {}) => {
      const client = new Cluster(nodes, options);
      client.on('error', () => undefined);
      clients.push(client);
      await new Promise((resolve) => client.once('ready', resolve));
      return client;
    },
    destroy: async () => {
      for (const client of clients) client.disconnect();
      for (const child of children) await stopProcess(child, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForClusterOk(ports: readonly number[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (const port of ports) {
    const node = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    node.on('error', () => undefined);
    try {
      for (;;) {
        const info = await node.cluster('INFO').catch(() => '');
        if (info.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${String(port)} never reached cluster_state:ok`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      node.disconnect();
    }
  }
}

/** One master, one replica and one Sentinel watching them, as `mymaster`. */
export interface TestSentinelGroup {
  readonly name: string;
  readonly master: TestRedis;
  readonly replica: TestRedis;
  readonly sentinelPort: number;
  /** Options for `new Redis(...)` through the Sentinel. */
  readonly clientOptions: { readonly sentinels: { host: string; port: number }[]; readonly name: string };
  /** The port Sentinel names as the master now. */
  currentMasterPort(): Promise<number>;
  /** Waits until Sentinel names another master than `port` (a failover ended). */
  waitForFailover(port: number, timeoutMs?: number): Promise<number>;
  destroy(): Promise<void>;
}

/** Sentinel's quorum is 1 and its down-after is short, so a failover takes a few seconds. */
export async function startSentinelGroup(options: { persistence?: Persistence } = {}): Promise<TestSentinelGroup> {
  const persistence = options.persistence ?? 'aof';
  const master = await startRedis({ persistence });
  const replica = await startRedis({
    persistence,
    args: ['--replicaof', '127.0.0.1', String(master.port), '--replica-announce-ip', '127.0.0.1'],
  });
  const name = 'mymaster';
  const sentinelPort = await freeLoopbackPort();
  const dir = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-sentinel-'));
  const config = join(dir, 'sentinel.conf');
  writeFileSync(
    config,
    [
      `port ${String(sentinelPort)}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${String(master.port)} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  );
  // Debian's redis-sentinel package; redis-server --sentinel is the same program.
  const [command, args] =
    probe(REDIS_SENTINEL, ['--version']) === undefined
      ? [REDIS_SENTINEL, [config]]
      : [REDIS_SERVER, [config, '--sentinel']];
  const sentinel = await spawnServer(command, args, /\+monitor master/);
  const sentinelClient = new Redis(sentinelPort, '127.0.0.1', { maxRetriesPerRequest: 1 });
  sentinelClient.on('error', () => undefined);
  await waitForReplicaInSync(master);
  const currentMasterPort = async (): Promise<number> => {
    const answer = (await sentinelClient.call('SENTINEL', 'get-master-addr-by-name', name)) as string[] | null;
    return Number(answer?.[1]);
  };
  return {
    name,
    master,
    replica,
    sentinelPort,
    clientOptions: { sentinels: [{ host: '127.0.0.1', port: sentinelPort }], name },
    currentMasterPort,
    waitForFailover: async (port, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = await currentMasterPort().catch(() => port);
        if (now !== port) return now;
        if (Date.now() > deadline) throw new Error('Sentinel did not fail over in time');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    destroy: async () => {
      sentinelClient.disconnect();
      await stopProcess(sentinel, 'SIGKILL');
      await master.destroy();
      await replica.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForReplicaInSync(master: TestRedis): Promise<void> {
  const admin = await master.admin();
  const deadline = Date.now() + 20_000;
  for (;;) {
    const info = await admin.info('replication');
    if (/slave0:.*state=online/.test(info)) return;
    if (Date.now() > deadline) throw new Error(`the replica never came online: ${info}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A self-signed certificate for 127.0.0.1 (openssl), in a temporary directory. */
export function makeCertificate(): { cert: string; key: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
  return { cert, key, dir };
}
