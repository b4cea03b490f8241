import type { HeldLockFile } from './lock-file.js';
import type { Unlock } from './keyed-mutex.js';
import type { SendingMark, TokenLease } from './token-store.js';

/** What a lease does to its key's record, each under the token file's lock. @internal */
export interface LeaseRecordAccess {
  /**
   * Checks that `held` is still this lease's lease file and that the stored generation is
   * `generation`, and marks the record; under the file's lock, so that no write and no breaking of
   * the lease can fall between the checks and the mark.
   */
  confirm(held: HeldLockFile, generation: number | undefined, mark: SendingMark): Promise<boolean>;
  /** Marks the record refused if its generation is `generation`. */
  markRefused(generation: number, appId: string): Promise<void>;
}

/**
 * A key's refresh lock in a {@link FileTokenStore}: this process's turn (an in-process mutex) and
 * the lease file that tells the other processes. @internal
 */
export class FileLease implements TokenLease {
  readonly #held: HeldLockFile;
  readonly #unlock: Unlock;
  readonly #record: LeaseRecordAccess;
  #released = false;

  constructor(held: HeldLockFile, unlock: Unlock, record: LeaseRecordAccess) {
    this.#held = held;
    this.#unlock = unlock;
    this.#record = record;
  }

  /** See {@link TokenLease.confirm}. @throws the store's errors when the file cannot be read or locked. */
  async confirm(generation: number | undefined, mark: SendingMark): Promise<boolean> {
    return !this.#released && (await this.#record.confirm(this.#held, generation, mark));
  }

  /** See {@link TokenLease.markRefused}. */
  async markRefused(generation: number, appId: string): Promise<void> {
    await this.#record.markRefused(generation, appId).catch(() => undefined);
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
