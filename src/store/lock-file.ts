import { readlinkSync } from 'node:fs';
import { link, open, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { TokenStoreError } from '../errors/token-store-error.js';

/** What a lock file holds (as JSON): who took it, so that others can tell a dead holder. */
interface LockOwner {
  /** Unique per acquisition: tells this lock from a later one at the same path. */
  readonly owner: string;
  readonly pid: number;
  readonly host: string;
  /** The holder's pid namespace (Linux): a pid means nothing across containers. */
  readonly pidNamespace: string | null;
  /** When it was taken (ISO 8601), for messages. */
  readonly since: string;
  /**
   * The holder's lock lifetime: others wait at least this long for a renewal, so a process with a
   * shorter `lockTtlMs` than the holder's never takes a live lock away.
   */
  readonly ttlMs: number;
}

/** A lock file as seen by a process that wants it. @internal */
export interface FoundLock {
  /** Its holder, or `undefined` while the holder is still writing it (or it is not ours). */
  readonly owner: LockOwner | undefined;
  readonly ino: number;
  readonly mtimeMs: number;
}

/** How {@link acquireLockFile} waits and when it judges a lock abandoned. @internal */
export interface LockFileOptions {
  /** A lock whose holder did not renew it for this long is abandoned. */
  readonly ttlMs: number;
  /** `Date.now()` after which waiting fails with `timeoutError(found)`. */
  readonly deadline: number;
  readonly signal?: AbortSignal | undefined;
  /** The error a wait past the deadline rejects with, given the lock that was in the way. */
  readonly timeoutError: (found: FoundLock) => Error;
  /**
   * Takes an abandoned lock away. Default: {@link breakLockFile}. A caller passes its own to break
   * under another lock (the refresh leases are broken under the token file's lock, so that a
   * lease's `confirm()` is atomic with respect to its breaking).
   */
  readonly breakAbandoned?: (path: string, found: FoundLock) => Promise<unknown>;
  /** The file the lock protects, for error messages. */
  readonly protects: string;
  /**
   * Called once if the renewal finds the lock taken over (its holder stalled past the lifetime):
   * a lease then lets the next caller of this process try, instead of blocking it until released.
   */
  readonly onLost?: () => void;
}

/** This process, as lock files name it; read on first use (importing does no I/O). */
let selfCache: Pick<LockOwner, 'pid' | 'host' | 'pidNamespace'> | undefined;
function self(): Pick<LockOwner, 'pid' | 'host' | 'pidNamespace'> {
  selfCache ??= { pid: process.pid, host: hostname(), pidNamespace: pidNamespaceOf() };
  return selfCache;
}

/** Owners of the locks this process holds: a lock with our pid and another owner is a dead one's. */
const heldHere = new Set<string>();

/**
 * A lock file held by this process: created with `O_EXCL`, renewed (its mtime touched) every third
 * of the lock's lifetime while held, removed on release. @internal
 */
export class HeldLockFile {
  readonly path: string;
  readonly #owner: string;
  readonly #handle: FileHandle;
  readonly #renewal: NodeJS.Timeout;
  readonly #onLost: (() => void) | undefined;
  #renewing = false;
  #released = false;

  constructor(path: string, owner: string, handle: FileHandle, ttlMs: number, onLost?: () => void) {
    this.path = path;
    this.#owner = owner;
    this.#handle = handle;
    this.#onLost = onLost;
    this.#renewal = setInterval(() => void this.#renew(), Math.max(1, Math.floor(ttlMs / 3)));
    this.#renewal.unref();
  }

  /** Whether the file at the lock's path is still this lock (it was not taken away as abandoned). */
  async stillHeld(): Promise<boolean> {
    if (this.#released) return false;
    return (await inspectLockFile(this.path))?.owner?.owner === this.#owner;
  }

  /**
   * Touches the lock's own inode through its handle (if it was taken away meanwhile, that touches
   * nobody else's lock), then, when the holder wants to know, checks that the lock is still there.
   */
  async #renew(): Promise<void> {
    if (this.#renewing || this.#released) return;
    this.#renewing = true;
    try {
      const now = new Date();
      await this.#handle.utimes(now, now);
      // After a release, stillHeld() is false too: onLost (an unlock) then does nothing.
      if (this.#onLost !== undefined && !(await this.stillHeld())) {
        clearInterval(this.#renewal);
        this.#onLost();
      }
    } catch {
      // Tried again at the next tick; a lock that is never renewed is taken over, as it should be.
    } finally {
      this.#renewing = false;
    }
  }

  /** Removes the lock file if it is still this one. Never rejects. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#renewal);
    try {
      const found = await inspectLockFile(this.path);
      if (found?.owner?.owner === this.#owner) await breakLockFile(this.path, found);
    } catch {
      // Left behind, it is judged abandoned: our pid with an owner we no longer hold, or a dead pid.
    } finally {
      heldHere.delete(this.#owner);
      await this.#handle.close().catch(() => undefined);
    }
  }
}

/**
 * Takes the lock file at `path` (`O_EXCL`), waiting while another holder keeps it alive; a lock
 * whose holder died (a dead pid on this host) or stopped renewing it for `ttlMs` is broken.
 *
 * @throws {@link TokenStoreError} when the directory refuses (permissions, missing directory);
 * `timeoutError(found)` past the deadline; the signal's reason on abort. @internal
 */
export async function acquireLockFile(path: string, options: LockFileOptions): Promise<HeldLockFile> {
  const breakAbandoned = options.breakAbandoned ?? breakLockFile;
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted === true) throw options.signal.reason as Error;
    const held = await tryCreate(path, options);
    if (held !== undefined) return held;
    let found: FoundLock | undefined;
    try {
      found = await inspectLockFile(path);
      if (found !== undefined && isAbandoned(found, options.ttlMs, Date.now())) {
        await breakAbandoned(path, found);
        continue;
      }
    } catch (error) {
      if (code(error) === undefined) throw error; // already ours, e.g. a wait that timed out
      throw refused(path, options.protects, error, 'read or replaced');
    }
    if (found === undefined) continue; // released meanwhile
    const left = options.deadline - Date.now();
    if (left <= 0) throw options.timeoutError(found);
    // Short first polls (a file write holds the lock for a few ms), backing off to 50 ms.
    const pause = Math.min(2 ** attempt, 25) * (1 + Math.random());
    await sleep(Math.min(pause, left), options.signal);
  }
}

/**
 * Whether a lock was abandoned: its holder is a dead process of this host and pid namespace (or an
 * earlier process that had our pid), or it was not renewed for `ttlMs`. A pid that was reused by
 * another process looks alive: that only delays the verdict until the lock's lifetime has passed.
 * @internal
 */
export function isAbandoned(found: FoundLock, ttlMs: number, now: number): boolean {
  const { owner } = found;
  const me = self();
  if (owner?.host === me.host && owner.pidNamespace === me.pidNamespace) {
    if (owner.pid === me.pid) return !heldHere.has(owner.owner);
    if (!isAlive(owner.pid)) return true;
  }
  return now - found.mtimeMs > Math.max(ttlMs, owner?.ttlMs ?? 0);
}

/**
 * Removes the lock file `found` from `path`, and only that one: it is renamed to a unique name
 * first, then checked; if a newer lock had taken its place meanwhile (two processes breaking the
 * same abandoned lock), that one is put back. Resolves whether `found` was removed. @internal
 */
export async function breakLockFile(path: string, found: FoundLock): Promise<boolean> {
  const tomb = `${path}.${String(process.pid)}.${crypto.randomUUID()}.tomb`;
  try {
    await rename(path, tomb);
  } catch (error) {
    if (code(error) === 'ENOENT') return false; // someone else removed it
    throw error;
  }
  const moved = await inspectLockFile(tomb).catch(() => undefined);
  const same =
    moved !== undefined &&
    (found.owner === undefined
      ? moved.owner === undefined && moved.ino === found.ino && moved.mtimeMs === found.mtimeMs
      : moved.owner?.owner === found.owner.owner);
  // A link puts it back only where no lock is: the newer lock's holder keeps or loses it, and it
  // checks before it writes.
  if (!same) await link(tomb, path).catch(() => undefined);
  await unlink(tomb).catch(() => undefined);
  return same;
}

/** The lock file at `path`, or `undefined` when there is none. @internal */
export async function inspectLockFile(path: string): Promise<FoundLock | undefined> {
  try {
    const [text, stats] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { owner: parseOwner(text), ino: stats.ino, mtimeMs: stats.mtimeMs };
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Describes a lock's holder for an error message. @internal */
export function describeHolder(found: FoundLock): string {
  const { owner } = found;
  if (owner === undefined) return 'a process';
  const me = self();
  const where = owner.host === me.host ? '' : ` on ${owner.host}`;
  return owner.pid === me.pid && owner.host === me.host
    ? 'this process'
    : `process ${String(owner.pid)}${where} (since ${owner.since})`;
}

async function tryCreate(path: string, options: LockFileOptions): Promise<HeldLockFile | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if (code(error) === 'EEXIST') return undefined;
    throw refused(path, options.protects, error);
  }
  const owner: LockOwner = {
    owner: crypto.randomUUID(),
    ...self(),
    since: new Date().toISOString(),
    ttlMs: options.ttlMs,
  };
  heldHere.add(owner.owner);
  try {
    await handle.writeFile(JSON.stringify(owner));
  } catch (error) {
    heldHere.delete(owner.owner);
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined); // ours: nobody else can have replaced it yet
    throw refused(path, options.protects, error);
  }
  return new HeldLockFile(path, owner.owner, handle, options.ttlMs, options.onLost);
}

function refused(path: string, protects: string, error: unknown, what = 'created'): TokenStoreError {
  return new TokenStoreError(
    { path: protects, reason: 'io', cause: error },
    `The lock file ${path} could not be ${what} (${code(error) ?? String(error)}). Check that the directory of ` +
      `${protects} exists and is writable by this user (was the bot once run as another user?).`,
  );
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner> | null;
    if (
      typeof value?.owner === 'string' &&
      Number.isSafeInteger(value.pid) &&
      (value.pid ?? 0) > 0 &&
      typeof value.host === 'string' &&
      typeof value.since === 'string' &&
      Number.isSafeInteger(value.ttlMs) &&
      (typeof value.pidNamespace === 'string' || value.pidNamespace === null)
    ) {
      return value as LockOwner;
    }
  } catch {
    // Being written right now, or not a lock file of ours: judged by its age only.
  }
  return undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Whether a process with this pid runs on this host (EPERM: it does, as another user). @internal */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return code(error) === 'EPERM';
  }
}

function pidNamespaceOf(): string | null {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

/** The `code` of a file system error (`ENOENT`, `EEXIST`…), if any. @internal */
export function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
