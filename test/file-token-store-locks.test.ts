import { mkdtempSync, readlinkSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquireLockFile,
  breakLockFile,
  inspectLockFile,
  isAbandoned,
  type FoundLock,
} from '../src/store/lock-file.js';
import { TokenStoreUnavailableError } from '../src/index.js';
import { rejectionOf } from './support/fake.js';

/** Above Linux's largest pid_max (2^22): never a live process. */
const DEAD_PID = 2 ** 22 + 1;
const here = { host: hostname(), pidNamespace: readlinkSync('/proc/self/ns/pid') };

let folder: string;
let lockPath: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-lock-'));
  lockPath = join(folder, 'tokens.json.lock');
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

const options = (ttlMs = 1000) => ({
  ttlMs,
  deadline: Date.now() + 5000,
  protects: join(folder, 'tokens.json'),
  timeoutError: () => new TokenStoreUnavailableError('busy'),
});

/** A lock file as another process would have left it, `ageMs` after its last renewal. */
function leaveLock(owner: Record<string, unknown>, ageMs = 0): void {
  writeFileSync(lockPath, JSON.stringify({ owner: 'someone', since: new Date().toISOString(), ttlMs: 1000, ...owner }));
  const at = new Date(Date.now() - ageMs);
  utimesSync(lockPath, at, at);
}

async function found(): Promise<FoundLock> {
  const lock = await inspectLockFile(lockPath);
  if (lock === undefined) throw new Error('no lock file');
  return lock;
}

describe('lock files: when a lock counts as abandoned', () => {
  it('a dead pid of this host and pid namespace: at once, however fresh', async () => {
    leaveLock({ ...here, pid: DEAD_PID });
    expect(isAbandoned(await found(), 10_000, Date.now())).toBe(true);
  });

  it('a live pid (perhaps reused by another program): only once it was not renewed for the lifetime', async () => {
    leaveLock({ ...here, pid: process.ppid });
    expect(isAbandoned(await found(), 1000, Date.now())).toBe(false);
    leaveLock({ ...here, pid: process.ppid }, 5000);
    expect(isAbandoned(await found(), 1000, Date.now())).toBe(true);
  });

  it('our own pid with an owner this process does not hold (an earlier process with our pid): at once', async () => {
    leaveLock({ ...here, pid: process.pid });
    expect(isAbandoned(await found(), 10_000, Date.now())).toBe(true);
    rmSync(lockPath);
    const held = await acquireLockFile(lockPath, options());
    expect(isAbandoned(await found(), 10_000, Date.now() + 60_000)).toBe(false); // held here, renewed here
    await held.release();
  });

  it('another host or pid namespace: its pids mean nothing here, only the age counts', async () => {
    for (const elsewhere of [
      { host: 'other-host', pidNamespace: here.pidNamespace },
      { host: here.host, pidNamespace: 'pid:[1]' },
    ]) {
      leaveLock({ ...elsewhere, pid: DEAD_PID });
      expect(isAbandoned(await found(), 1000, Date.now())).toBe(false);
      leaveLock({ ...elsewhere, pid: DEAD_PID }, 5000);
      expect(isAbandoned(await found(), 1000, Date.now())).toBe(true);
    }
  });

  it("the holder's own, longer lifetime wins: a waiter with a short lockTtlMs never takes a live lock", async () => {
    leaveLock({ host: 'other-host', pidNamespace: null, pid: 1, ttlMs: 60_000 }, 5000);
    expect(isAbandoned(await found(), 1000, Date.now())).toBe(false);
  });

  it('a lock file still being written (no owner yet), or not ours: only its age counts', async () => {
    writeFileSync(lockPath, '');
    expect(isAbandoned(await found(), 1000, Date.now())).toBe(false);
    const at = new Date(Date.now() - 5000);
    utimesSync(lockPath, at, at);
    expect(isAbandoned(await found(), 1000, Date.now())).toBe(true);
  });
});

describe('lock files: breaking an abandoned lock', () => {
  it('a second process breaking the same abandoned lock late leaves the new holder its lock', async () => {
    leaveLock({ ...here, pid: DEAD_PID });
    const abandoned = await found();
    // The first breaker removes it, and a new holder takes the lock...
    expect(await breakLockFile(lockPath, abandoned)).toBe(true);
    const held = await acquireLockFile(lockPath, options());
    // ...then the second breaker, which judged the same abandoned lock, acts on it.
    expect(await breakLockFile(lockPath, abandoned)).toBe(false);
    expect(await held.stillHeld()).toBe(true);
    await held.release();
    expect(await inspectLockFile(lockPath)).toBeUndefined();
  });

  it('an abandoned lock is taken over by the next acquirer; a live one makes it wait until its deadline', async () => {
    leaveLock({ ...here, pid: DEAD_PID });
    const held = await acquireLockFile(lockPath, options());
    expect(await held.stillHeld()).toBe(true);
    const error = await rejectionOf(acquireLockFile(lockPath, { ...options(), deadline: Date.now() + 30 }));
    expect(error).toBeInstanceOf(TokenStoreUnavailableError);
    await held.release();
    await held.release(); // twice: nothing happens
    expect(await held.stillHeld()).toBe(false);
  });
});
