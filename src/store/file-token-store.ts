import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { TokenStoreError } from '../errors/token-store-error.js';
import type { UserToken } from '../tokens/user-token.js';
import { KeyLock } from './key-lock.js';
import type { TokenStore } from './token-store.js';

/**
 * Keeps tokens in a JSON file (the format is in the README), readable only by its owner (mode
 * 0600). Every write goes to a temporary file in the same directory, is flushed to disk, then
 * renamed over the old file: a crash or power cut mid-write leaves the old file or the new one,
 * never a corrupt or empty one.
 *
 * Updates are serialized within this process. Several processes sharing one file are not
 * coordinated: give each its own file, or use a shared store such as Redis.
 *
 * It also reads the Python original's `user_token.json` (`{"token", "refresh"}`), so a ported bot
 * keeps its login; the next write converts the file.
 */
export class FileTokenStore implements TokenStore {
  /** The file, as an absolute path. */
  readonly path: string;
  readonly #lock = new KeyLock();
  #cleanedUp = false;

  /** @param path - The token file. Its directory must exist. */
  constructor(path: string) {
    this.path = resolve(path);
  }

  /** The token stored under `key`, or `undefined`. @throws {@link TokenStoreError} for an unreadable or corrupt file. */
  async get(key: string): Promise<UserToken | undefined> {
    return (await this.#read()).get(key);
  }

  /** Stores a token under `key`, rewriting the file atomically. @throws {@link TokenStoreError} */
  set(key: string, token: UserToken): Promise<void> {
    // One lock for the whole file: each write rewrites every key.
    return this.#lock.run(this.path, async () => {
      const tokens = await this.#read();
      tokens.set(key, token);
      await this.#write(tokens);
    });
  }

  /** See {@link TokenStore.update}; serialized within this process. @throws {@link TokenStoreError} */
  update(key: string, replace: (current: UserToken | undefined) => Promise<UserToken>): Promise<UserToken> {
    return this.#lock.run(this.path, async () => {
      const tokens = await this.#read();
      const current = tokens.get(key);
      const next = await replace(current);
      if (next !== current) {
        tokens.set(key, next);
        await this.#write(tokens);
      }
      return next;
    });
  }

  /**
   * Renames an unreadable file (corrupt, or another program's) to `<path>.unreadable-<time>`, so
   * that a new one can be written without destroying it. Returns the new name, or `undefined` when
   * there was no file.
   */
  moveAside(): Promise<string | undefined> {
    return this.#lock.run(this.path, async () => {
      const aside = `${this.path}.unreadable-${String(Date.now())}`;
      try {
        await rename(this.path, aside);
        return aside;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new TokenStoreError(
          { path: this.path, reason: 'io', cause: error },
          `The token file ${this.path} could not be moved aside (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
        );
      }
    });
  }

  async #read(): Promise<Map<string, UserToken>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw new TokenStoreError(
        { path: this.path, reason: 'io', cause: error },
        `The token file ${this.path} could not be read (${(error as NodeJS.ErrnoException).code ?? String(error)}). ` +
          `Check its permissions (was the bot once run as another user?), or choose another path.`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // The SyntaxError is not kept: its message can quote a piece of the file, i.e. of a token.
      throw this.#foreign('it is not valid JSON');
    }
    const { readTokenFile } = await import('./token-file-format.js');
    const reading = readTokenFile(json);
    if (!reading.ok) throw this.#foreign(reading.problem);
    return reading.tokens;
  }

  #foreign(problem: string): TokenStoreError {
    return new TokenStoreError(
      { path: this.path, reason: 'corrupt' },
      `The token file ${this.path} is not a token file of twitchapi-oauth (${problem}). It is corrupt or was ` +
        `written by another program: move it away or delete it (the user then logs in again), or choose another path.`,
    );
  }

  async #write(tokens: ReadonlyMap<string, UserToken>): Promise<void> {
    const { writeTokenFile } = await import('./token-file-format.js');
    const directory = dirname(this.path);
    const temporary = join(directory, `.${basename(this.path)}.${String(process.pid)}.${crypto.randomUUID()}.tmp`);
    try {
      const file = await open(temporary, 'wx', 0o600);
      try {
        await file.writeFile(writeTokenFile(tokens));
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, this.path);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw new TokenStoreError(
        { path: this.path, reason: 'io', cause: error },
        `The token file ${this.path} could not be written (${(error as NodeJS.ErrnoException).code ?? String(error)}). ` +
          `Check that its directory exists and is writable; the token in memory is still valid for now.`,
      );
    }
    // The rename is durable only once the directory entry is on disk too.
    const folder = await open(directory, 'r').catch(() => undefined);
    await folder?.sync().catch(() => undefined);
    await folder?.close();
    if (!this.#cleanedUp) {
      this.#cleanedUp = true;
      await this.#removeLeftovers(directory);
    }
  }

  /** Removes temporary files left by processes that died mid-write (their pid is gone). */
  async #removeLeftovers(directory: string): Promise<void> {
    const prefix = `.${basename(this.path)}.`;
    const names = await readdir(directory).catch(() => [] as string[]);
    for (const name of names) {
      const pid = Number(/^\.(?:.*)\.(\d+)\.[0-9a-f-]{36}\.tmp$/.exec(name)?.[1]);
      if (!name.startsWith(prefix) || !Number.isInteger(pid) || isAlive(pid)) continue;
      await unlink(join(directory, name)).catch(() => undefined);
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
