import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FileTokenStore,
  isTransientError,
  TokenStoreError,
  TokenStoreUnavailableError,
  UserToken,
} from '../src/index.js';
import { breakLockFile, inspectLockFile } from '../src/store/lock-file.js';
import type { TokenRecord, TokenStore } from '../src/store/token-store.js';
import { expectNoSecretsIn, rejectionOf } from './support/fake.js';
import { describeTokenStoreContract, sendingMark } from './support/store-contract.js';

const record = (generation: number, name = 'token'): TokenRecord => ({
  generation,
  token: new UserToken({
    accessToken: `${name}-access-${String(generation)}`,
    refreshToken: `${name}-refresh-${String(generation)}`,
    expiresIn: 14_124,
    scopes: ['chat:read'],
    tokenType: 'bearer',
    obtainedAt: 1_795_000_000_000 + generation,
  }),
});

let folder: string;
let path: string;
const children = new Set<ChildProcess>();
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-file-'));
  path = join(folder, 'tokens.json');
});
afterEach(async () => {
  await Promise.all([...children].map(kill));
  rmSync(folder, { recursive: true, force: true });
});

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const fileJson = (): { format?: string; tokens: Record<string, { generation: number }> } =>
  JSON.parse(readFileSync(path, 'utf8')) as { tokens: Record<string, { generation: number }> };

/** Starts a fixture with the compiled package, and resolves once it printed `line`. */
async function start(name: string, args: string[], line: string): Promise<ChildProcess & { output: string[] }> {
  const child = spawn(process.execPath, [fixture(name), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  const output: string[] = [];
  let buffered = '';
  child.stdout.setEncoding('utf8');
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`${name} exited (${String(code)}) before printing "${line}"`));
    });
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      output.push(...lines);
      if (lines.includes(line)) resolve();
    });
  });
  if (line !== '') await ready;
  else ready.catch(() => undefined);
  return Object.assign(child, { output });
}

async function kill(child: ChildProcess): Promise<void> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Whether a process is stopped (SIGSTOP took effect), from /proc. */
function isStopped(pid: number): boolean {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  return /^\d+ \(.*\) T/.test(stat);
}

/**
 * Freezes a child that writes in a loop at a moment it holds the file's lock: stops it, and if the
 * lock file is not its own, lets it go on briefly and tries again.
 */
async function freezeHoldingFileLock(child: ChildProcess): Promise<void> {
  const pid = child.pid ?? 0;
  for (let attempt = 0; attempt < 500; attempt++) {
    child.kill('SIGSTOP');
    while (!isStopped(pid)) await pause(1);
    try {
      const owner = JSON.parse(readFileSync(`${path}.lock`, 'utf8')) as { pid?: number };
      if (owner.pid === pid) return;
    } catch {
      // no lock file, or one being written: try again
    }
    child.kill('SIGCONT');
    await pause(1 + (attempt % 7));
  }
  throw new Error('the writer was never caught holding the file lock');
}

/** The lease file of a key, as the README documents it. */
const leasePathOf = (file: string, key: string): string =>
  `${realpathSync(file)}.lease-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;

const contractFile = (): string => join(folder, 'contract.json');
describeTokenStoreContract('FileTokenStore', () => new FileTokenStore(contractFile(), { lockTtlMs: 300 }), {
  createPeer: () => new FileTokenStore(contractFile(), { lockTtlMs: 300 }),
  // As another process does when the holder stopped renewing its lease for lockTtlMs.
  lapse: async (_store: TokenStore, key: string) => {
    const lease = leasePathOf(contractFile(), key);
    const found = await inspectLockFile(lease);
    if (found === undefined || !(await breakLockFile(lease, found))) throw new Error('no lease to take over');
  },
});

describe('FileTokenStore: the token file', () => {
  it('writes the documented format, with a generation per token, readable only by its owner', async () => {
    const store = new FileTokenStore(path);
    expect(await store.writeIfNewer('default', record(3))).toMatchObject({ written: true });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      format: 'twitchapi-oauth/tokens@1',
      tokens: { default: { generation: 3, ...record(3).token.toJSON() } },
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(folder)).toEqual(['tokens.json']); // no lock, lease or temporary file left
    const read = await store.read('default');
    expect(read?.generation).toBe(3);
    expect(read?.token).toBeInstanceOf(UserToken);
    expect(read?.token.toJSON()).toEqual(record(3).token.toJSON());
  });

  it('reads a file written before generations existed as generation 0, and keeps its other keys', async () => {
    const old = {
      format: 'twitchapi-oauth/tokens@1',
      tokens: { default: record(0).token, other: record(0, 'o').token },
    };
    writeFileSync(path, JSON.stringify(old));
    const store = new FileTokenStore(path);
    expect((await store.read('default'))?.generation).toBe(0);
    expect(await store.writeIfNewer('default', record(1))).toMatchObject({ written: true });
    const { tokens } = fileJson();
    expect(tokens['default']?.generation).toBe(1);
    expect(tokens['other']).toEqual({ generation: 0, ...record(0, 'o').token.toJSON() });
  });

  it('writes only over an older generation or nothing, and says what it holds', async () => {
    const store = new FileTokenStore(path);
    expect(await store.read('default')).toBeUndefined();
    expect(await store.writeIfNewer('default', record(5))).toEqual({ written: true, current: record(5) });
    for (const generation of [5, 4, 0]) {
      const outcome = await store.writeIfNewer('default', record(generation, 'stale'));
      expect(outcome.written).toBe(false);
      expect(outcome.current.generation).toBe(5);
      expect(outcome.current.token.accessToken).toBe('token-access-5');
    }
    expect((await store.writeIfNewer('default', record(6))).written).toBe(true);
    expect((await store.read('default'))?.token.accessToken).toBe('token-access-6');
  });

  it('lists its keys and deletes one, keeping the others', async () => {
    const store = new FileTokenStore(path);
    const keys = async (): Promise<string[]> => {
      const all: string[] = [];
      for await (const key of store.keys()) all.push(key);
      return all;
    };
    expect(await keys()).toEqual([]);
    await store.delete('nobody'); // no file: nothing happens
    expect(existsSync(path)).toBe(false);
    await store.writeIfNewer('a', record(1, 'a'));
    await store.writeIfNewer('b', record(1, 'b'));
    expect(await keys()).toEqual(['a', 'b']);
    await store.delete('a');
    await store.delete('a');
    expect(await keys()).toEqual(['b']);
    expect((await store.read('b'))?.token.accessToken).toBe('b-access-1');
  });

  it('refuses bad input at once with a TypeError', async () => {
    expect(() => new FileTokenStore('')).toThrow(TypeError);
    expect(() => new FileTokenStore(path, { lockTtlMs: 0 })).toThrow(/lockTtlMs/);
    expect(() => new FileTokenStore(path, { waitTimeoutMs: 2 ** 40 })).toThrow(/waitTimeoutMs/);
    expect(() => new FileTokenStore(path, { waitTimeoutMs: 1.5 })).toThrow(/waitTimeoutMs/);
    const store = new FileTokenStore(path);
    expect(await rejectionOf(store.writeIfNewer('default', { ...record(1), generation: -1 }))).toBeInstanceOf(
      TypeError,
    );
    expect(await rejectionOf(store.writeIfNewer('default', { ...record(1), generation: 0.5 }))).toBeInstanceOf(
      TypeError,
    );
    const notAToken = { generation: 1, token: record(1).token.toJSON() } as unknown as TokenRecord;
    expect(await rejectionOf(store.writeIfNewer('default', notAToken))).toBeInstanceOf(TypeError);
    expect(existsSync(path)).toBe(false);
  });

  it('names a corrupt or foreign file and says what to do, and can move it aside', async () => {
    const store = new FileTokenStore(path);
    for (const content of ['{"token": "abc', '{"theme":"dark"}', '[]', '']) {
      writeFileSync(path, content);
      for (const attempt of [store.read('default'), store.writeIfNewer('default', record(1))]) {
        const error = await rejectionOf(attempt);
        expect(error).toBeInstanceOf(TokenStoreError);
        expect(error).toMatchObject({ path, reason: 'corrupt' });
        expect(String(error)).toMatch(/move it away or delete it/);
      }
      expect(readFileSync(path, 'utf8')).toBe(content);
    }
    const aside = await store.moveAside();
    expect(aside).toMatch(/tokens\.json\.unreadable-\d+$/);
    expect(readFileSync(aside ?? '', 'utf8')).toBe('');
    await store.writeIfNewer('default', record(1));
    expect((await store.read('default'))?.token.accessToken).toBe('token-access-1');
    expect(await new FileTokenStore(join(folder, 'none.json')).moveAside()).toBeUndefined();
  });

  it('reports a directory that does not exist as a TokenStoreError', async () => {
    const error = await rejectionOf(
      new FileTokenStore(join(folder, 'missing', 'tokens.json')).writeIfNewer('default', record(1)),
    );
    expect(error).toBeInstanceOf(TokenStoreError);
    expect(String(error)).toMatch(/directory .* exists and is writable/);
  });
});

describe("FileTokenStore: the Python original's user_token.json", () => {
  const python = { token: 'pyaccess', refresh: 'pyrefresh' };

  it('reads it as the default token at generation 0, expired, of unknown scopes', async () => {
    writeFileSync(path, JSON.stringify(python));
    const read = await new FileTokenStore(path).read('default');
    expect(read?.generation).toBe(0);
    expect(read?.token).toMatchObject({ accessToken: 'pyaccess', refreshToken: 'pyrefresh', expiresIn: 0, scopes: [] });
    expect(read?.token.isExpired()).toBe(true);
  });

  it('keeps it in the Python layout when writing, so the Python program can still read it', async () => {
    writeFileSync(path, JSON.stringify(python));
    const store = new FileTokenStore(path);
    expect((await store.writeIfNewer('default', record(1))).written).toBe(true);
    const { accessToken, refreshToken, ...fields } = record(1).token.toJSON();
    // The Python program reads "token" and "refresh" only; the rest rides along under one key.
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      token: accessToken,
      refresh: refreshToken,
      'twitchapi-oauth': { generation: 1, ...fields },
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await store.read('default')).toEqual(record(1));
    // Stale writers are refused as in this library's layout.
    expect((await store.writeIfNewer('default', record(1, 'stale'))).written).toBe(false);
    // When the Python program rewrites the file, its tokens come without the extra key: generation 0.
    writeFileSync(path, JSON.stringify({ token: 'pyaccess2', refresh: 'pyrefresh2' }));
    expect(await store.read('default')).toMatchObject({
      generation: 0,
      token: { accessToken: 'pyaccess2', expiresIn: 0 },
    });
  });

  it('keeps the spend mark under its extra key too, through confirm and markRefused, in the Python layout', async () => {
    writeFileSync(path, JSON.stringify(python));
    const store = new FileTokenStore(path);
    await store.writeIfNewer('default', record(1));
    const lease = await store.lock('default');
    const mark = sendingMark('a-manager');
    expect(await lease.confirm(1, mark)).toBe(true);
    const sending = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(sending).sort()).toEqual(['refresh', 'token', 'twitchapi-oauth']); // still Python's layout
    expect(sending['twitchapi-oauth']).toMatchObject({ generation: 1, spend: mark });
    await lease.markRefused(1, 'test-app');
    await lease.release();
    expect((await new FileTokenStore(path).read('default'))?.spend).toEqual({ state: 'refused', appId: 'test-app' });
  });

  it('reads a token whose spend mark is damaged (the mark is dropped, never the token)', async () => {
    const damaged = { generation: 2, spend: { state: 'sending', by: 42 }, ...record(2).token.toJSON() };
    writeFileSync(path, JSON.stringify({ format: 'twitchapi-oauth/tokens@1', tokens: { default: damaged } }));
    const read = await new FileTokenStore(path).read('default');
    expect(read?.generation).toBe(2);
    expect(read?.token.toJSON()).toEqual(record(2).token.toJSON());
    expect(read?.spend).toBeUndefined();
  });

  it('reads damaged extra fields as a token the Python program wrote, not as a corrupt file', async () => {
    writeFileSync(path, JSON.stringify({ ...python, 'twitchapi-oauth': { generation: 'three' } }));
    expect(await new FileTokenStore(path).read('default')).toMatchObject({ generation: 0, token: { expiresIn: 0 } });
  });

  it('refuses a second key instead of converting the file, and says how to convert it', async () => {
    writeFileSync(path, JSON.stringify(python));
    const error = await rejectionOf(new FileTokenStore(path).writeIfNewer('other', record(1, 'secretish')));
    expect(error).toBeInstanceOf(TokenStoreError);
    expect(String(error)).toMatch(/convertPythonFile: true/);
    expectNoSecretsIn(error, ['secretish-access-1', 'secretish-refresh-1', 'pyaccess', 'pyrefresh']);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(python);
  });

  it('converts it on the first write with convertPythonFile: true', async () => {
    writeFileSync(path, JSON.stringify(python));
    const store = new FileTokenStore(path, { convertPythonFile: true });
    await store.writeIfNewer('default', record(1));
    await store.writeIfNewer('other', record(1, 'o'));
    expect(fileJson()).toEqual({
      format: 'twitchapi-oauth/tokens@1',
      tokens: {
        default: { generation: 1, ...record(1).token.toJSON() },
        other: { generation: 1, ...record(1, 'o').token.toJSON() },
      },
    });
  });

  it('is not taken for corrupt when caught while the Python program rewrites it in place', async () => {
    writeFileSync(path, ''); // Python's open(path, 'w') truncates first, then writes
    const reading = new FileTokenStore(path).read('default');
    await pause(10);
    writeFileSync(path, JSON.stringify(python));
    expect((await reading)?.token.accessToken).toBe('pyaccess');
  });

  it('is removed when its token is deleted', async () => {
    writeFileSync(path, JSON.stringify(python));
    await new FileTokenStore(path).delete('default');
    expect(existsSync(path)).toBe(false);
  });
});

describe('FileTokenStore: several writers in one process', () => {
  it('three stores on one file (one through a symbolic link), their keys written concurrently 100 times: no key lost', async () => {
    const link = join(folder, 'link.json');
    writeFileSync(path, JSON.stringify({ format: 'twitchapi-oauth/tokens@1', tokens: {} }));
    symlinkSync(path, link);
    const stores = [new FileTokenStore(path), new FileTokenStore(path), new FileTokenStore(link)];
    const cycles = 100;
    const written = new Map<string, number>(); // key → the generation its store last wrote
    let lost = 0;
    let rollbacks = 0;
    await Promise.all(
      stores.map(async (store, index) => {
        const key = `key-${String(index)}`;
        for (let generation = 1; generation <= cycles; generation++) {
          const outcome = await store.writeIfNewer(key, record(generation, key));
          expect(outcome.written).toBe(true);
          written.set(key, generation);
          // Every key written so far must still be there, at the generation written or later.
          const { tokens } = fileJson();
          for (const [other, last] of written) {
            const now = tokens[other]?.generation;
            if (now === undefined) lost++;
            else if (now < last) rollbacks++;
          }
        }
      }),
    );
    console.log(
      `[file store] one process, ${String(stores.length)} stores × ${String(cycles)} writes: ` +
        `${String(lost)} lost keys, ${String(rollbacks)} rollbacks seen`,
    );
    expect({ lost, rollbacks }).toEqual({ lost: 0, rollbacks: 0 });
    const { tokens } = fileJson();
    expect(Object.keys(tokens).sort()).toEqual(['key-0', 'key-1', 'key-2']);
    expect(Object.values(tokens).map((entry) => entry.generation)).toEqual([cycles, cycles, cycles]);
    expect(lstatSync(link).isSymbolicLink()).toBe(true); // written through, not replaced
  });

  it("one holder of a key's refresh lock at a time; confirm checks the lease and the generation", async () => {
    const [first, second] = [new FileTokenStore(path), new FileTokenStore(path, { waitTimeoutMs: 50 })];
    await first.writeIfNewer('default', record(1));
    const lease = await first.lock('default');
    expect(await lease.confirm(1, sendingMark())).toBe(true);
    expect(await lease.confirm(0, sendingMark())).toBe(false);
    expect(await lease.confirm(undefined, sendingMark())).toBe(false);
    // Another caller in this process waits, for waitTimeoutMs at most: a transient error.
    const busy = await rejectionOf(second.lock('default'));
    expect(busy).toBeInstanceOf(TokenStoreUnavailableError);
    expect(isTransientError(busy)).toBe(true);
    expect(String(busy)).toMatch(/refresh lock of "default" .* Try again later/);
    // Another key has its own lock.
    const other = await second.lock('other');
    expect(await other.confirm(undefined, sendingMark())).toBe(true);
    await other.release();
    // A write by anyone moves the generation: the lease no longer confirms it.
    await second.writeIfNewer('default', record(2));
    expect(await lease.confirm(1, sendingMark())).toBe(false);
    expect(await lease.confirm(2, sendingMark())).toBe(true);
    const next = second.lock('default');
    await lease.release();
    await lease.release(); // twice: nothing happens
    expect(await lease.confirm(2, sendingMark())).toBe(false);
    const taken = await next;
    expect(await taken.confirm(2, sendingMark())).toBe(true);
    await taken.release();
    expect(readdirSync(folder)).toEqual(['tokens.json']);
  });

  it('a lock() wait ends with the abort signal, with its reason, and leaves no timer behind', async () => {
    const store = new FileTokenStore(path);
    const lease = await store.lock('default');
    const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const controller = new AbortController();
    const waiting = store.lock('default', { signal: controller.signal });
    for (let turn = 0; turn < 100 && timers() === before; turn++) await new Promise(setImmediate);
    expect(timers()).toBe(before + 1); // its deadline
    const reason = new Error('shutting down');
    controller.abort(reason);
    expect(await rejectionOf(waiting)).toBe(reason);
    expect(timers()).toBe(before);
    expect(await rejectionOf(store.lock('default', { signal: AbortSignal.abort(reason) }))).toBe(reason);
    await lease.release();
    const again = await store.lock('default');
    await again.release();
    expect(readdirSync(folder)).toEqual([]);
  });
});

describe('FileTokenStore: several processes on one file', () => {
  interface CycleReport {
    key: string;
    cycles: number;
    rollbacks: number;
    lostKeys: number;
    refusedConfirms: number;
    refusedWrites: number;
    last: number;
    spent: string[];
    lockWaits: number[];
    writeTimes: number[];
  }

  /** Runs the refresh-cycles fixture in two processes at once, watching the file from here. */
  async function refreshConcurrently(keys: string[], cycles: number) {
    const workers = await Promise.all(
      keys.map((key) => start('file-refresh-cycles.mjs', [path, key, String(cycles)], '')),
    );
    const reports = workers.map(
      (worker) =>
        new Promise<CycleReport>((resolve, reject) => {
          worker.once('exit', (code) => {
            const line = worker.output.find((text) => text.startsWith('{'));
            if (code === 0 && line !== undefined) resolve(JSON.parse(line) as CycleReport);
            else reject(new Error(`worker exited with ${String(code)}`));
          });
        }),
    );
    // A reader: the generation of a key never goes down, and a key once seen never disappears.
    const seen = new Map<string, number>();
    const watched = { reads: 0, rollbacks: 0, lostKeys: 0 };
    const state = { done: false };
    const watching = (async () => {
      while (!state.done) {
        let tokens: Record<string, { generation: number }> = {};
        try {
          tokens = fileJson().tokens;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
        watched.reads++;
        for (const [key, last] of seen) {
          const now = tokens[key]?.generation;
          if (now === undefined) watched.lostKeys++;
          else if (now < last) watched.rollbacks++;
        }
        for (const [key, { generation }] of Object.entries(tokens)) {
          seen.set(key, Math.max(generation, seen.get(key) ?? 0));
        }
        await pause(1);
      }
    })();
    for (const worker of workers) worker.stdin?.write('go\n');
    try {
      return { reports: await Promise.all(reports), watched };
    } finally {
      state.done = true;
      await watching;
    }
  }

  const summary = (values: number[]): string => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q: number): string =>
      (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(1);
    return `median ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`;
  };

  it('two processes, each refreshing its own key through the lock 100 times at once: no key lost, no rollback', async () => {
    const cycles = 100;
    const { reports, watched } = await refreshConcurrently(['alice', 'bob'], cycles);
    for (const report of reports) {
      console.log(
        `[file store] ${report.key}: ${String(report.cycles)} cycles, ${String(report.rollbacks)} rollbacks, ` +
          `${String(report.lostKeys)} lost keys; lock wait ${summary(report.lockWaits)}; writeIfNewer ${summary(report.writeTimes)}`,
      );
      expect(report).toMatchObject({ rollbacks: 0, lostKeys: 0, refusedConfirms: 0, refusedWrites: 0, last: cycles });
    }
    console.log(
      `[file store] reader: ${String(watched.reads)} reads, ${String(watched.rollbacks)} rollbacks, ${String(watched.lostKeys)} lost keys`,
    );
    expect(watched).toMatchObject({ rollbacks: 0, lostKeys: 0 });
    expect(
      Object.fromEntries(Object.entries(fileJson().tokens).map(([key, entry]) => [key, entry.generation])),
    ).toEqual({
      alice: cycles,
      bob: cycles,
    });
    expect(readdirSync(folder)).toEqual(['tokens.json']);
  }, 60_000);

  it('an abandoned file lock met by four processes at once: one takes it over, no key lost, no rollback', async () => {
    // Left by a process that died: a pid above Linux's largest pid_max is never alive.
    const owner = { owner: 'gone', pid: 2 ** 22 + 1, host: hostname(), since: new Date().toISOString(), ttlMs: 10_000 };
    writeFileSync(`${path}.lock`, JSON.stringify({ ...owner, pidNamespace: readlinkSync('/proc/self/ns/pid') }));
    const keys = ['k1', 'k2', 'k3', 'k4'];
    const { reports, watched } = await refreshConcurrently(keys, 20);
    expect(reports.map((report) => [report.rollbacks, report.lostKeys, report.last])).toEqual(
      keys.map(() => [0, 0, 20]),
    );
    expect(watched).toMatchObject({ rollbacks: 0, lostKeys: 0 });
    expect(Object.keys(fileJson().tokens).sort()).toEqual(keys);
    expect(readdirSync(folder)).toEqual(['tokens.json']);
  }, 60_000);

  it('two processes refreshing the same key 100 times each: every refresh token is spent once', async () => {
    const cycles = 100;
    const { reports, watched } = await refreshConcurrently(['shared', 'shared'], cycles);
    const spent = reports.flatMap((report) => report.spent);
    const twice = spent.length - new Set(spent).size;
    console.log(
      `[file store] one key, two processes: ${String(spent.length)} refreshes, ${String(twice)} refresh tokens spent twice, ` +
        `lock wait ${summary(reports.flatMap((report) => report.lockWaits))}`,
    );
    expect(twice).toBe(0);
    expect(reports.map((report) => report.rollbacks + report.refusedConfirms + report.refusedWrites)).toEqual([0, 0]);
    expect(watched).toMatchObject({ rollbacks: 0, lostKeys: 0 });
    expect(fileJson().tokens['shared']?.generation).toBe(2 * cycles);
  }, 60_000);

  it("a refresh lock whose holder was SIGKILLed is taken over at once; a frozen holder's after lockTtlMs", async () => {
    const store = new FileTokenStore(path, { lockTtlMs: 200, waitTimeoutMs: 10_000 });
    await store.writeIfNewer('default', record(1));
    // Killed: its pid is gone on this host.
    const killed = await start('file-hold-lease.mjs', [path, 'default'], 'holding');
    await kill(killed);
    const lease = await store.lock('default');
    expect(await lease.confirm(1, sendingMark())).toBe(true);
    await lease.release();
    // Frozen (SIGSTOP): alive, but it no longer renews the lock.
    const frozen = await start('file-hold-lease.mjs', [path, 'default', '200'], 'holding');
    frozen.kill('SIGSTOP');
    const taken = await store.lock('default');
    expect(await taken.confirm(1, sendingMark())).toBe(true);
    // Resumed, the old holder's confirm fails: it must not spend the refresh token.
    frozen.kill('SIGCONT');
    frozen.stdin?.write('confirm 1\n');
    while (!frozen.output.some((line) => line.startsWith('confirm'))) await pause(5);
    expect(frozen.output).toContain('confirm false');
    expect(await taken.confirm(1, sendingMark())).toBe(true);
    await taken.release();
    await kill(frozen);
  });

  it('a wait for a live holder ends after waitTimeoutMs with a transient error that says what to do', async () => {
    await new FileTokenStore(path).writeIfNewer('default', record(1));
    const holder = await start('file-hold-lease.mjs', [path, 'default'], 'holding');
    const error = await rejectionOf(new FileTokenStore(path, { waitTimeoutMs: 100 }).lock('default'));
    expect(error).toBeInstanceOf(TokenStoreUnavailableError);
    expect(isTransientError(error)).toBe(true);
    expect(String(error)).toContain(`process ${String(holder.pid)}`);
    expect(String(error)).toMatch(/Try again later; the token in memory stays valid/);
    expectNoSecretsIn(error, ['token-access-1', 'token-refresh-1']);
    await kill(holder);
  });

  it('a live holder that renews its lock is never taken over, however long it holds it', async () => {
    await new FileTokenStore(path).writeIfNewer('default', record(1));
    const holder = await start('file-hold-lease.mjs', [path, 'default', '1000'], 'holding');
    // Three lifetimes of waiting: the holder renews every third of one.
    const error = await rejectionOf(new FileTokenStore(path, { lockTtlMs: 1000, waitTimeoutMs: 3000 }).lock('default'));
    expect(error).toBeInstanceOf(TokenStoreUnavailableError);
    holder.stdin?.write('confirm 1\n');
    while (!holder.output.some((line) => line.startsWith('confirm'))) await pause(5);
    expect(holder.output).toContain('confirm true');
    await kill(holder);
  });

  it('a writer SIGKILLed while holding the file lock: the next writer proceeds, nothing is lost', async () => {
    const store = new FileTokenStore(path, { lockTtlMs: 200 });
    for (let round = 0; round < 3; round++) {
      const writer = await start('file-write-forever.mjs', [path], 'writing');
      await freezeHoldingFileLock(writer);
      await kill(writer);
      expect(existsSync(`${path}.lock`)).toBe(true); // left behind by the dead holder
      expect((await store.writeIfNewer(`mine-${String(round)}`, record(1))).written).toBe(true);
      expect(Object.keys(fileJson().tokens)).toEqual(
        expect.arrayContaining([
          'default',
          ...Array.from({ length: round + 1 }, (_, index) => `mine-${String(index)}`),
        ]),
      );
    }
    // What the killed writers left (their temporary files) goes with the next store's first write.
    await new FileTokenStore(path).writeIfNewer('last', record(1));
    expect(readdirSync(folder)).toEqual(['tokens.json']);
  });

  it('a writer frozen while holding the file lock: taken over after lockTtlMs, and once resumed it writes nothing stale', async () => {
    // A wait shorter than the lock's lifetime ends with the typed error; nothing is written.
    const impatient = new FileTokenStore(path, { lockTtlMs: 5000, waitTimeoutMs: 50 });
    const writer = await start('file-write-forever.mjs', [path, '300'], 'writing');
    await freezeHoldingFileLock(writer);
    const error = await rejectionOf(impatient.writeIfNewer('mine', record(1)));
    expect(error).toBeInstanceOf(TokenStoreUnavailableError);
    expect(String(error)).toContain(`locked by process ${String(writer.pid)}`);
    expect(String(error)).toMatch(/Try again later/);
    expect(fileJson().tokens['mine']).toBeUndefined();
    // A patient writer takes the lock over once the frozen holder stopped renewing it for lockTtlMs.
    const patient = new FileTokenStore(path, { lockTtlMs: 300, waitTimeoutMs: 10_000 });
    expect((await patient.writeIfNewer('mine', record(1))).written).toBe(true);
    // Resumed, the holder finds its lock gone and does not write what it read before: "mine" stays.
    const frozenAt = fileJson().tokens['default']?.generation ?? 0;
    writer.kill('SIGCONT');
    while ((fileJson().tokens['default']?.generation ?? 0) <= frozenAt) await pause(5); // it wrote again
    expect(fileJson().tokens['mine']?.generation).toBe(1);
    expect(writer.output).toContain('lost-lock');
    await kill(writer);
  });

  it('survives being killed mid-write: the file is always valid JSON holding a written token', async () => {
    const kills = 25;
    for (let round = 0; round < kills; round++) {
      const writer = await start('file-write-forever.mjs', [path], 'writing');
      // Let it write for a varying while, then kill it without warning.
      await pause(5 + ((round * 7) % 40));
      await kill(writer);
      const file = fileJson() as unknown as { tokens: Record<string, { accessToken: string }> };
      expect(file.tokens['default']?.accessToken).toMatch(/^access-\d+$/);
      expect((await new FileTokenStore(path).read('default'))?.token).toBeInstanceOf(UserToken);
    }
    // What killed writers left (temporary files, lock files) is cleaned up by the next write.
    await new FileTokenStore(path).writeIfNewer('fresh', record(1));
    expect(readdirSync(folder)).toEqual(['tokens.json']);
  }, 60_000);
});
