import { spendMarkText } from '../store/spend-mark.js';
import type { SendingMark, SpendMark, TokenLease } from '../store/token-store.js';
import type { TokenKeyNames } from './key-names.js';
import { CONFIRM, MARK_REFUSED, RELEASE, RENEW } from './scripts.js';

/** What a lease needs of its store. @internal */
export interface LeaseHost {
  run(script: string, keys: readonly string[], args: readonly string[], what: string): Promise<unknown>;
  /** Like {@link run}, but never throws and gives up at once while Redis is down. */
  tryRun(script: string, keys: readonly string[], args: readonly string[]): Promise<unknown>;
  /**
   * Resolves once no write of the key failed and awaits its retry (at once when none did, or
   * after `timeoutMs`).
   */
  whenStored(key: string, timeoutMs: number): Promise<void>;
  /** Whether a failed write of the key awaits its retry. */
  hasPendingWrite(key: string): boolean;
  /** The key's record at `generation` was marked refused: a restore after a reconnect keeps it so. */
  noteRefused(key: string, generation: number, mark: SpendMark): void;
}

/**
 * `held`: this lease owns the lock as far as it knows. `handing-over`: released by its user while a
 * refreshed token of the key is not stored yet (its write failed and is retried): the lock is kept
 * and renewed until that token is stored, so that no other process spends the refresh token this
 * one already spent. `lost`: a renewal or confirm found the lock gone (or could not tell); nothing
 * is spent any more. `released`: given up.
 */
type LeaseState = 'held' | 'handing-over' | 'lost' | 'released';

/**
 * The lock of one token in Redis, owned by a random token: renewed every third of its lifetime
 * on an unref'd timer while held, and lost for good the first time a renewal fails or finds
 * another owner. Being lost only makes {@link confirm} false: correctness is in the data (the
 * generation a write compares), the lock only keeps refreshes single. @internal
 */
export class RedisLease implements TokenLease {
  readonly #host: LeaseHost;
  readonly #key: string;
  readonly #names: TokenKeyNames;
  readonly #owner: string;
  readonly #ttlMs: number;
  readonly #handOverMs: number;
  readonly #renewal: NodeJS.Timeout;
  #state: LeaseState = 'held';

  /**
   * @param handOverMs - The longest the lock is kept after `release()` for a token whose write is
   * being retried.
   */
  constructor(host: LeaseHost, key: string, names: TokenKeyNames, owner: string, ttlMs: number, handOverMs: number) {
    this.#host = host;
    this.#key = key;
    this.#names = names;
    this.#owner = owner;
    this.#ttlMs = ttlMs;
    this.#handOverMs = handOverMs;
    this.#renewal = setInterval(
      () => {
        void this.#renew();
      },
      Math.max(1, Math.floor(ttlMs / 3)),
    );
    this.#renewal.unref();
  }

  /** Whether the lease still counts itself the lock's owner, for its user. */
  get held(): boolean {
    return this.#state === 'held';
  }

  /**
   * One script: the lock is still this lease's and the stored generation is `generation`; if so
   * the record is marked with `mark`, and the lock is extended to a full
   * `lockTtlMs`, which is the time the refresh request has to reach Twitch. A lost or released lease answers `false` without asking Redis.
   *
   * @throws TokenStoreUnavailableError or TokenStoreError when Redis cannot answer (the lease
   * then counts as lost).
   */
  async confirm(generation: number | undefined, mark: SendingMark): Promise<boolean> {
    if (this.#state !== 'held') return false;
    let answer: unknown;
    try {
      answer = await this.#host.run(
        CONFIRM,
        [this.#names.lock, this.#names.record],
        [this.#owner, generation === undefined ? '' : String(generation), String(this.#ttlMs), spendMarkText(mark)],
        `confirming the refresh lock ${this.#names.lock}`,
      );
    } catch (error) {
      this.#lose();
      throw error;
    }
    if (!this.held) return false; // a renewal found it gone meanwhile
    // A number, or its string with ioredis's stringNumbers option.
    if (Number(answer) === 0) this.#lose();
    return Number(answer) === 1;
  }

  /** See {@link TokenLease.markRefused}: one script, whether or not the lock is still this lease's. */
  async markRefused(generation: number, appId: string): Promise<void> {
    const mark = { state: 'refused', appId } as const;
    this.#host.noteRefused(this.#key, generation, mark);
    await this.#host.tryRun(MARK_REFUSED, [this.#names.record], [String(generation), spendMarkText(mark)]);
  }

  /**
   * Gives the lock up if it is still this lease's, and wakes the waiters. Never rejects. When a
   * refreshed token of the key could not be stored yet, resolves at once but keeps the lock until
   * its retried write has landed (or `handOverMs`): the next holder then reads that token instead
   * of spending the refresh token it replaced.
   */
  async release(): Promise<void> {
    if (this.#state === 'released' || this.#state === 'handing-over') return;
    if (this.#state === 'held' && this.#host.hasPendingWrite(this.#key)) {
      this.#state = 'handing-over';
      void this.#host.whenStored(this.#key, this.#handOverMs).then(() => this.#giveUp());
      return;
    }
    await this.#giveUp();
  }

  async #giveUp(): Promise<void> {
    this.#state = 'released';
    clearInterval(this.#renewal);
    // Even a lost lease tries: "lost" may mean only that Redis did not answer a renewal in time.
    await this.#host.tryRun(RELEASE, [this.#names.lock], [this.#owner, this.#names.events]);
  }

  async #renew(): Promise<void> {
    if (this.#state !== 'held' && this.#state !== 'handing-over') return;
    const answer = await this.#host
      .run(RENEW, [this.#names.lock], [this.#owner, String(this.#ttlMs)], `renewing ${this.#names.lock}`)
      .catch(() => 0);
    if (Number(answer) !== 1) this.#lose();
  }

  #lose(): void {
    if (this.#state === 'held' || this.#state === 'handing-over') this.#state = 'lost';
    clearInterval(this.#renewal);
  }
}
