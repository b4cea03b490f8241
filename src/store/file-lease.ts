import type { HeldLockFile } from './lock-file.js';
import type { Unlock } from './keyed-mutex.js';
import type { TokenLease } from './token-store.js';

/**
 * A key's refresh lock in a {@link FileTokenStore}: this process's turn (an in-process mutex) and
 * the lease file that tells the other processes. @internal
 */
export class FileLease implements TokenLease {
  readonly #held: HeldLockFile;
  readonly #unlock: Unlock;
  readonly #check: (held: HeldLockFile, generation: number | undefined) => Promise<boolean>;
  #released = false;

  /**
   * @param check - Confirms under the token file's lock, so that no write and no breaking of the
   * lease can fall between the two checks.
   */
  constructor(
    held: HeldLockFile,
    unlock: Unlock,
    check: (held: HeldLockFile, generation: number | undefined) => Promise<boolean>,
  ) {
    this.#held = held;
    this.#unlock = unlock;
    this.#check = check;
  }

  /** See {@link TokenLease.confirm}. @throws the store's errors when the file cannot be read or locked. */
  async confirm(generation: number | undefined): Promise<boolean> {
    return !this.#released && (await this.#check(this.#held, generation));
  }

  /** See {@link TokenLease.release}. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    try {
      await this.#held.release();
    } finally {
      this.#unlock();
    }
  }
}
