import { open, readdir, readFile, realpath, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { TokenStoreError } from '../errors/token-store-error.js';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable-error.js';
import { checkDuration } from '../options/duration.js';
import { UserToken } from '../tokens/user-token.js';
import { FileLease } from './file-lease.js';
import { KeyedMutex } from './keyed-mutex.js';
import { checkSpendMark } from './spend-mark.js';
import {
  acquireLockFile,
  breakLockFile,
  code,
  describeHolder,
  inspectLockFile,
  isAbandoned,
  isAlive,
  type FoundLock,
  type HeldLockFile,
} from './lock-file.js';
import type { TokenFileContent } from './token-file-format.js';
import type { LockOptions, SpendMark, TokenLease, TokenRecord, TokenStore, WriteOutcome } from './token-store.js';

/** Options of {@link FileTokenStore}; all have a default. */
export interface FileTokenStoreOptions {
  /**
   * Converts a file in the Python original's layout (`{"token", "refresh"}`) to this library's on
   * the first write. Until then, writes keep the Python layout, which the Python program still
   * reads but which holds one token (`default`) and neither its generation, lifetime nor scopes.
   * Default: `false`.
   */
  readonly convertPythonFile?: boolean;
  /**
   * How long a lock file lasts without renewal: a holder renews it every third of this while it
   * works, and a lock not renewed for this long (a process that froze, or died on another host) is
   * taken over. A holder that died on this host is taken over at once. Default: `10_000`.
   */
  readonly lockTtlMs?: number;
  /**
   * How long a write, a `confirm()` or a `lock()` waits for the file's lock or the key's refresh
   * lock before failing with a transient {@link TokenStoreUnavailableError}. Default: `30_000`.
   */
  readonly waitTimeoutMs?: number;
}

/** What the file held when it was read under its lock. */
interface LoadedFile extends TokenFileContent {
  /** The text, to check that nobody replaced the file since; `undefined` when there was none. */
  readonly text: string | undefined;
}

/** The records a change leaves in the file, rendered in the file's layout; `undefined`: no change. */
type Rewrite = PendingRewrite | undefined;

/**
 * The file lock and the refresh leases, one per canonical path (and key) in this process, shared
 * by every FileTokenStore and storage helper on that file: waiters queue here instead of polling
 * the lock file against each other.
 */
const fileTurns = new KeyedMutex();
const leaseTurns = new KeyedMutex();

/**
 * Keeps tokens in a JSON file (the format is in the README), readable only by its owner (mode
 * 0600), with their generations. Every write goes to a temporary file in the same directory, is
 * flushed to disk, then renamed over the old file: a crash or power cut mid-write leaves the old
 * file or the new one, never a corrupt or empty one.
 *
 * Several stores, storage helpers and processes can share one file. Every write is a
 * read-modify-write under the file's lock (in this process, one queue per canonical path; across
 * processes, the lock file `<file>.lock`), so no key is lost, and {@link writeIfNewer} never
 * replaces a newer generation. A key's refresh lock is the lease file `<file>.lease-<hash of key>`.
 * A lock whose holder died is taken over (at once on this host, after `lockTtlMs` otherwise);
 * waits end after `waitTimeoutMs`.
 *
 * It also reads the Python original's `user_token.json` (`{"token", "refresh"}`) and keeps it in
 * that layout unless `convertPythonFile` is set, so the Python program can go on using it.
 */
export class FileTokenStore implements TokenStore {
  /** The file, as an absolute path. */
  readonly path: string;
  readonly #convertPythonFile: boolean;
  readonly #lockTtlMs: number;
  readonly #waitTimeoutMs: number;
  #canonical: string | undefined;
  #cleanedUp = false;

  /**
   * @param path - The token file. Its directory must exist.
   * @throws TypeError for an empty path or an option out of range.
   */
  constructor(path: string, options: FileTokenStoreOptions = {}) {
    if (typeof path !== 'string' || path === '') {
      throw new TypeError('FileTokenStore needs the path of the token file, e.g. "user_token.json".');
    }
    this.path = resolve(path);
    this.#convertPythonFile = options.convertPythonFile ?? false;
    if (typeof this.#convertPythonFile !== 'boolean') {
      throw new TypeError('The convertPythonFile option must be true or false.');
    }
    this.#lockTtlMs = checkDuration('lockTtlMs', options.lockTtlMs ?? 10_000, { min: 10 });
    this.#waitTimeoutMs = checkDuration('waitTimeoutMs', options.waitTimeoutMs ?? 30_000);
  }

  /** See {@link TokenStore.read}; takes no lock (a reader sees a whole file). @throws {@link TokenStoreError} */
  async read(key: string): Promise<TokenRecord | undefined> {
    return (await this.#load(await this.#canonicalPath())).records.get(key);
  }

  /**
   * See {@link TokenStore.writeIfNewer}: under the file's lock, every other key kept as it is.
   *
   * @throws {@link TokenStoreError} for an unreadable, corrupt or unwritable file, or a key other
   * than `default` in a Python-layout file; {@link TokenStoreUnavailableError} (transient) when
   * the lock stayed busy for `waitTimeoutMs`; TypeError for a record that is not one.
   */
  async writeIfNewer(key: string, record: TokenRecord): Promise<WriteOutcome> {
    checkRecord(record);
    return await this.#change((file): [Rewrite, WriteOutcome] => {
      const stored = file.records.get(key);
      if (stored !== undefined && stored.generation >= record.generation) {
        return [undefined, { written: false, current: stored }];
      }
      const records = new Map(file.records).set(key, record);
      return [
        { layout: file.layout, records, key },
        { written: true, current: record },
      ];
    });
  }

  /**
   * See {@link TokenStore.lock}: the lease file `<file>.lease-<hash of key>`, held across
   * processes, renewed while held.
   *
   * @throws {@link TokenStoreUnavailableError} (transient) when another holder kept it for
   * `waitTimeoutMs`; the signal's reason on abort.
   */
  async lock(key: string, options: LockOptions = {}): Promise<TokenLease> {
    const canonical = await this.#canonicalPath();
    const path = await leasePathOf(canonical, key);
    const deadline = Date.now() + this.#waitTimeoutMs;
    const busy = (holder: string): TokenStoreUnavailableError =>
      new TokenStoreUnavailableError(
        `The refresh lock of "${key}" in ${this.path} stayed held by ${holder} for over ` +
          `${String(this.#waitTimeoutMs)} ms: it is refreshing that token, or stuck. Try again later; the token ` +
          `in memory stays valid. A holder that dies, or stops renewing the lock for ${String(this.#lockTtlMs)} ms ` +
          '(lockTtlMs), is taken over.',
      );
    const unlock = await leaseTurns.acquire(path, {
      deadline,
      signal: options.signal,
      timeoutError: () => busy('another caller in this process'),
    });
    try {
      const held = await acquireLockFile(path, {
        ttlMs: this.#lockTtlMs,
        deadline,
        signal: options.signal,
        protects: this.path,
        timeoutError: (found) => busy(describeHolder(found)),
        onLost: unlock,
        // Under the file's lock, so that a confirm() cannot fall between the check and the breaking.
        breakAbandoned: (leasePath) =>
          this.#underFileLock(async () => {
            const found = await inspectLockFile(leasePath);
            if (found !== undefined && isAbandoned(found, this.#lockTtlMs, Date.now())) {
              await breakLockFile(leasePath, found);
            }
          }),
      });
      return new FileLease(held, unlock, {
        confirm: (lease, generation, mark) => this.#mark(key, generation, mark, () => lease.stillHeld()),
        markRefused: async (generation, appId) => {
          await this.#mark(key, generation, { state: 'refused', appId }, () => Promise.resolve(true));
        },
      });
    } catch (error) {
      unlock();
      throw error;
    }
  }

  /** See {@link TokenStore.keys}. @throws {@link TokenStoreError} */
  async *keys(): AsyncIterable<string> {
    yield* (await this.#load(await this.#canonicalPath())).records.keys();
  }

  /**
   * See {@link TokenStore.delete}; under the file's lock. A Python-layout file (one token) is
   * removed when its `default` token is.
   *
   * @throws {@link TokenStoreError}; {@link TokenStoreUnavailableError} (transient)
   */
  async delete(key: string): Promise<void> {
    await this.#change((file): [Rewrite, undefined] => {
      if (!file.records.has(key)) return [undefined, undefined];
      const records = new Map(file.records);
      records.delete(key);
      return [{ layout: file.layout, records, key }, undefined];
    });
  }

  /**
   * Renames an unreadable file (corrupt, or another program's) to `<path>.unreadable-<time>`, so
   * that a new one can be written without destroying it. Returns the new name, or `undefined` when
   * there was no file.
   */
  moveAside(): Promise<string | undefined> {
    return this.#underFileLock(async (canonical) => {
      const aside = `${this.path}.unreadable-${String(Date.now())}`;
      try {
        await rename(canonical, aside);
        return aside;
      } catch (error) {
        if (code(error) === 'ENOENT') return undefined;
        throw new TokenStoreError(
          { path: this.path, reason: 'io', cause: error },
          `The token file ${this.path} could not be moved aside (${code(error) ?? String(error)}).`,
        );
      }
    });
  }

  /**
   * Under the file's lock: if `allowed()` and the stored generation of `key` is `generation`,
   * marks the record (nothing is marked when nothing is stored) and resolves `true`.
   */
  #mark(
    key: string,
    generation: number | undefined,
    spend: SpendMark,
    allowed: () => Promise<boolean>,
  ): Promise<boolean> {
    return this.#underFileLock(async (canonical, held) => {
      if (!(await allowed())) return false;
      const file = await this.#load(canonical);
      const stored = file.records.get(key);
      if (stored?.generation !== generation) return false;
      if (stored === undefined) return true;
      const records = new Map(file.records).set(key, { ...stored, spend: checkSpendMark(spend) ?? spend });
      await this.#commit(canonical, held, file.text, { layout: file.layout, records, key });
      return true;
    });
  }

  /** Reads, changes and rewrites the file under its lock; resolves with the change's result. */
  #change<T>(change: (file: LoadedFile) => [Rewrite, T]): Promise<T> {
    return this.#underFileLock(async (canonical, held) => {
      const file = await this.#load(canonical);
      const [rewrite, result] = change(file);
      if (rewrite !== undefined) await this.#commit(canonical, held, file.text, rewrite);
      return result;
    });
  }

  /** Runs `task` holding the file's lock: this process's turn, then the lock file. */
  async #underFileLock<T>(task: (canonical: string, held: HeldLockFile) => Promise<T>): Promise<T> {
    const canonical = await this.#canonicalPath();
    const lockPath = `${canonical}.lock`;
    const deadline = Date.now() + this.#waitTimeoutMs;
    const busy = (holder: string): TokenStoreUnavailableError =>
      new TokenStoreUnavailableError(
        `The token file ${this.path} stayed locked by ${holder} for over ${String(this.#waitTimeoutMs)} ms ` +
          `(lock file ${lockPath}). Try again later; the token in memory stays valid. A holder that dies, or stops ` +
          `renewing the lock for ${String(this.#lockTtlMs)} ms (lockTtlMs), is taken over; if another program left ` +
          `${lockPath}, delete it.`,
      );
    const unlock = await fileTurns.acquire(canonical, {
      deadline,
      timeoutError: () => busy('other calls in this process'),
    });
    try {
      const held = await acquireLockFile(lockPath, {
        ttlMs: this.#lockTtlMs,
        deadline,
        protects: this.path,
        timeoutError: (found: FoundLock) => busy(describeHolder(found)),
      });
      try {
        return await task(canonical, held);
      } finally {
        await held.release();
      }
    } finally {
      unlock();
    }
  }

  /**
   * The file's path with symbolic links resolved (of the file, or of its directory while it does
   * not exist): the key of the in-process lock, and where the file is replaced (a link to it stays
   * a link).
   */
  async #canonicalPath(): Promise<string> {
    if (this.#canonical !== undefined) return this.#canonical;
    try {
      this.#canonical = await realpath(this.path);
    } catch {
      try {
        this.#canonical = join(await realpath(dirname(this.path)), basename(this.path));
      } catch {
        return this.path; // the directory is missing: the next file operation says so
      }
    }
    return this.#canonical;
  }

  async #load(canonical: string): Promise<LoadedFile> {
    const first = await this.#readOnce(canonical);
    if (first.ok) return first.file;
    // A program that writes in place (the Python original truncates, then writes) can be caught
    // mid-write: only content that stays unreadable is corrupt.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await this.#readOnce(canonical);
    if (second.ok) return second.file;
    throw this.#foreign(second.problem);
  }

  async #readOnce(
    canonical: string,
  ): Promise<{ readonly ok: true; readonly file: LoadedFile } | { readonly ok: false; readonly problem: string }> {
    let text: string;
    try {
      text = await readFile(canonical, 'utf8');
    } catch (error) {
      if (code(error) === 'ENOENT')
        return { ok: true, file: { text: undefined, layout: 'library', records: new Map() } };
      throw new TokenStoreError(
        { path: this.path, reason: 'io', cause: error },
        `The token file ${this.path} could not be read (${code(error) ?? String(error)}). ` +
          `Check its permissions (was the bot once run as another user?), or choose another path.`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // The SyntaxError is not kept: its message can quote a piece of the file, i.e. of a token.
      return { ok: false, problem: 'it is not valid JSON' };
    }
    const { readTokenFile } = await import('./token-file-format.js');
    const reading = readTokenFile(json);
    if (!reading.ok) return reading;
    return { ok: true, file: { text, layout: reading.layout, records: reading.records } };
  }

  #foreign(problem: string): TokenStoreError {
    return new TokenStoreError(
      { path: this.path, reason: 'corrupt' },
      `The token file ${this.path} is not a token file of twitchapi-oauth (${problem}). It is corrupt or was ` +
        `written by another program: move it away or delete it (the user then logs in again), or choose another path.`,
    );
  }

  /**
   * Replaces the file: temporary file, fsync, rename, fsync of the directory. Just before the
   * rename it checks that the lock is still held and the file is still the one read: a holder that
   * froze past `lockTtlMs` and lost its lock writes nothing.
   */
  async #commit(
    canonical: string,
    held: HeldLockFile,
    before: string | undefined,
    rewrite: PendingRewrite,
  ): Promise<void> {
    const text = await this.#render(rewrite);
    const directory = dirname(canonical);
    const temporary =
      text === undefined
        ? undefined
        : join(directory, `.${basename(canonical)}.${String(process.pid)}.${crypto.randomUUID()}.tmp`);
    try {
      if (temporary !== undefined && text !== undefined) {
        const file = await open(temporary, 'wx', 0o600);
        try {
          await file.writeFile(text);
          await file.sync();
        } finally {
          await file.close();
        }
      }
      if (!(await held.stillHeld()) || (await readText(canonical)) !== before) {
        throw new TokenStoreUnavailableError(
          `The lock of the token file ${this.path} was taken over while this process held it (it did not renew ` +
            `it for ${String(this.#lockTtlMs)} ms, lockTtlMs: was the event loop blocked?); nothing was written. ` +
            'Try again: the token in memory stays valid.',
        );
      }
      if (temporary === undefined) await unlink(canonical);
      else await rename(temporary, canonical);
    } catch (error) {
      if (temporary !== undefined) await unlink(temporary).catch(() => undefined);
      if (error instanceof TokenStoreUnavailableError) throw error;
      throw new TokenStoreError(
        { path: this.path, reason: 'io', cause: error },
        `The token file ${this.path} could not be written (${code(error) ?? String(error)}). ` +
          `Check that its directory exists and is writable; the token in memory is still valid for now.`,
      );
    }
    // The rename is durable only once the directory entry is on disk too.
    const folder = await open(directory, 'r').catch(() => undefined);
    await folder?.sync().catch(() => undefined);
    await folder?.close();
    if (!this.#cleanedUp) {
      this.#cleanedUp = true;
      await this.#removeLeftovers(canonical);
    }
  }

  /** The text of a rewrite, or `undefined` to remove the file. */
  async #render(pending: PendingRewrite): Promise<string | undefined> {
    const { writePythonTokenFile, writeTokenFile, PYTHON_FILE_KEY } = await import('./token-file-format.js');
    if (pending.layout === 'library' || this.#convertPythonFile) return writeTokenFile(pending.records);
    if (pending.key !== PYTHON_FILE_KEY) {
      throw new TokenStoreError(
        { path: this.path, reason: 'io' },
        `The token file ${this.path} is in the Python original's layout, which holds one token, under the key ` +
          `"${PYTHON_FILE_KEY}"; it cannot hold "${pending.key}". Pass convertPythonFile: true to convert it to this ` +
          `library's layout (the Python program can no longer read it then), or use another file for this key.`,
      );
    }
    const record = pending.records.get(PYTHON_FILE_KEY);
    return record === undefined ? undefined : writePythonTokenFile(record);
  }

  /**
   * Removes what killed processes left next to the file: their temporary files and taken-away lock
   * files (their pid is gone), and refresh leases nobody renews. Runs under the file's lock.
   */
  async #removeLeftovers(canonical: string): Promise<void> {
    const directory = dirname(canonical);
    const name = basename(canonical);
    const names = await readdir(directory).catch(() => [] as string[]);
    for (const entry of names) {
      const leftover =
        /^\.(.*)\.(\d+)\.[0-9a-f-]{36}\.tmp$/.exec(entry) ?? /^(.*)\.(\d+)\.[0-9a-f-]{36}\.tomb$/.exec(entry);
      if (leftover !== null) {
        const [, of, pid] = leftover;
        const owned = of === name || of === `${name}.lock` || of?.startsWith(`${name}.lease-`) === true;
        if (owned && !isAlive(Number(pid))) await unlink(join(directory, entry)).catch(() => undefined);
        continue;
      }
      if (!/^.+\.lease-[0-9a-f]{32}$/.test(entry) || !entry.startsWith(`${name}.lease-`)) continue;
      const leasePath = join(directory, entry);
      const found = await inspectLockFile(leasePath).catch(() => undefined);
      if (found !== undefined && isAbandoned(found, this.#lockTtlMs, Date.now())) {
        await breakLockFile(leasePath, found).catch(() => undefined);
      }
    }
  }
}

/** A rewrite before it is rendered: the records and the file's layout. */
interface PendingRewrite {
  readonly layout: TokenFileContent['layout'];
  readonly records: ReadonlyMap<string, TokenRecord>;
  /** The key written or deleted. */
  readonly key: string;
}

/**
 * The lease file of `key`: hashed, so that any key makes a valid file name. (Web Crypto, not
 * `node:crypto`: importing the package loads no crypto module.)
 */
async function leasePathOf(canonical: string, key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
  return `${canonical}.lease-${Buffer.from(digest).toString('hex').slice(0, 32)}`;
}

function checkRecord(record: TokenRecord): void {
  if (!(record.token instanceof UserToken)) {
    throw new TypeError('writeIfNewer() needs a record whose token is a UserToken.');
  }
  if (!Number.isSafeInteger(record.generation) || record.generation < 0) {
    throw new TypeError(`A token's generation is a whole number from 0 up; got ${String(record.generation)}.`);
  }
  checkSpendMark(record.spend);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined;
    throw error;
  }
}
