import type { UserToken } from '../tokens/user-token.js';

/**
 * A stored token with its lineage. The generation travels with the token everywhere (store,
 * memory, events) and is kept in the same record, so no restart, lagging replica or lapsed lock
 * can separate the two: "newer" means a higher generation, nothing else.
 */
export interface TokenRecord {
  /** The token. */
  readonly token: UserToken;
  /**
   * Grows by one with every refresh and every new login. A record read from a file or entry
   * written before generations existed (or by the Python original) has generation `0`.
   */
  readonly generation: number;
  /**
   * What the store knows of the spending of this record's refresh token; absent while nobody has
   * confirmed spending it. Written by {@link TokenLease.confirm} and {@link TokenLease.markRefused},
   * and by a writer restoring a record the store had lost; a newer record starts without one.
   */
  readonly spend?: SpendMark;
}

/**
 * A holder confirmed that it sends the record's refresh token now, and has not stored the outcome
 * yet. Another holder waits until `until` for the newer record before it spends the token itself:
 * its lease may only exist because `by`'s lapsed (a holder stopped after its request left, a Redis
 * restart that lost the lock).
 */
export interface SendingMark {
  /** Being sent. */
  readonly state: 'sending';
  /** Who: a manager's or pool's random id, or `restored:…` for a record written back after a data loss. */
  readonly by: string;
  /**
   * When the sender's answer is stored or never will be, in epoch ms on the sender's clock: the
   * confirm time plus the longest its refresh call (every attempt and wait between them) and the
   * write of its answer can take. A mark past it is stale and delays nobody.
   */
  readonly until: number;
}

/**
 * The state of a record's refresh token, kept in the record because no process's memory can be
 * trusted with it: the process that sent the token may be stopped, or the store may have
 * forgotten its lock. `sending`: see {@link SendingMark}. `refused`: Twitch refused this record's
 * refresh token; nobody sends it again, and the login is lost until a newer record is written.
 */
export type SpendMark =
  | SendingMark
  | {
      /** Twitch refused the refresh token. */
      readonly state: 'refused';
      /**
       * The client id it was sent with: Twitch also refuses a refresh token sent with another app's
       * client id, so a process with a wrong `appId` must not make the others give the login up.
       * Managers of another app id send the token themselves. Absent in marks of other writers.
       */
      readonly appId?: string;
    };

/** What {@link TokenStore.writeIfNewer} did. */
export interface WriteOutcome {
  /** Whether the given record is now stored. */
  readonly written: boolean;
  /**
   * The record the store holds after the call: the given one when written, else the stored one,
   * whose generation is at least as high.
   */
  readonly current: TokenRecord;
}

/** Options of {@link TokenStore.lock}. */
export interface LockOptions {
  /** Gives up waiting for the lock (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

/**
 * The right to spend a key's refresh token, held by one process (or one caller in a process) at
 * a time. It can lapse (the holder stalled past the store's lock lifetime), which is why spending
 * is preceded by {@link confirm}, and why writes are still checked by generation.
 */
export interface TokenLease {
  /**
   * One atomic step right before a refresh token is sent: resolves `true` only if this lease is
   * still held and the stored generation is `generation` (the one about to be spent; `undefined`
   * when nothing is stored), and then marks the stored record with `mark`. On `false` the caller
   * must not spend, and adopts what the store holds.
   */
  confirm(generation: number | undefined, mark: SendingMark): Promise<boolean>;
  /**
   * Marks the stored record `{ state: 'refused', appId }` if its generation is still `generation`,
   * held or not (a refusal is a fact about the token, not about the lock): the other processes of
   * that app then report the lost login without spending the token again. Best effort: never rejects.
   */
  markRefused(generation: number, appId: string): Promise<void>;
  /** Gives the lock up (if still held) and wakes the next waiter. Never rejects. */
  release(): Promise<void>;
}

/**
 * Where token managers keep their tokens, under a key (one per Twitch account). Ships as
 * {@link MemoryTokenStore}, {@link FileTokenStore} and `RedisTokenStore`; implement it to keep
 * tokens elsewhere, and run the contract test suite against your implementation.
 *
 * The contract that makes "exactly one refresh, and the login is never lost" hold across
 * processes and store faults:
 * - nothing is written blindly: {@link writeIfNewer} stores a record only over an older
 *   generation (or nothing), so a writer that stalled can never roll a token back, and a writer
 *   holding a newer token than a store that lost data restores it;
 * - {@link lock} gives one holder per key the right to spend the refresh token, and
 *   {@link TokenLease.confirm} checks that right and the generation atomically just before spending;
 * - the record says whether its refresh token is being sent or was refused ({@link SpendMark}), so
 *   a holder whose lease exists only because another one lapsed does not spend a token already on
 *   its way to Twitch, and a refused token is not sent again by every process.
 */
export interface TokenStore {
  /** The record stored under `key`, or `undefined` when there is none. */
  read(key: string): Promise<TokenRecord | undefined>;
  /**
   * Stores `record` under `key` only if nothing is stored there or the stored generation is lower;
   * atomically, also against other processes for a shared store. Readers see the old record or
   * the new one, never a mix or nothing. The record's `spend` mark is stored with it (none when it
   * has none).
   */
  writeIfNewer(key: string, record: TokenRecord): Promise<WriteOutcome>;
  /** Waits until this caller holds the key's refresh lock. */
  lock(key: string, options?: LockOptions): Promise<TokenLease>;
  /** The keys that hold a record, e.g. for a pool that loads every stored user at start. */
  keys(): AsyncIterable<string>;
  /** Removes the record under `key` (a user who left); nothing happens when there is none. */
  delete(key: string): Promise<void>;
}
