import type { TokenLease } from '../store/token-store.js';
import type { TokenKeyNames } from './key-names.js';
import { CONFIRM, RELEASE, RENEW } from './scripts.js';

/** What a lease needs of its store: running one of the scripts on the token's keys. @internal */
export interface LeaseScripts {
  run(script: string, keys: readonly string[], args: readonly string[], what: string): Promise<unknown>;
  /** Like {@link run}, but never throws and gives up at once while Redis is down. */
  tryRun(script: string, keys: readonly string[], args: readonly string[]): Promise<unknown>;
}

/**
 * `held`: this lease owns the lock as far as it knows; `lost`: a renewal or confirm found it gone
 * (or could not tell), so it spends nothing any more; `released`: given up.
 */
type LeaseState = 'held' | 'lost' | 'released';

/**
 * The lock of one token in Redis, owned by a random token: renewed every third of its lifetime
 * on an unref'd timer while held, and lost for good the first time a renewal fails or finds
 * another owner. Being lost only makes {@link confirm} false: correctness is in the data (the
 * generation a write compares), the lock only keeps refreshes single. @internal
 */
export class RedisLease implements TokenLease {
  readonly #scripts: LeaseScripts;
  readonly #names: TokenKeyNames;
  readonly #owner: string;
  readonly #ttlMs: number;
  readonly #renewal: NodeJS.Timeout;
  #state: LeaseState = 'held';

  constructor(scripts: LeaseScripts, names: TokenKeyNames, owner: string, ttlMs: number) {
    this.#scripts = scripts;
    this.#names = names;
    this.#owner = owner;
    this.#ttlMs = ttlMs;
    this.#renewal = setInterval(
      () => {
        void this.#renew();
      },
      Math.max(1, Math.floor(ttlMs / 3)),
    );
    this.#renewal.unref();
  }

  /** Whether the lease still counts itself the lock's owner. */
  get held(): boolean {
    return this.#state === 'held';
  }

  /**
   * One script: the lock is still this lease's and the stored generation is `generation`; if so
   * the lock is extended to a full `lockTtlMs`, which is the time the refresh request has to
   * reach Twitch. A lost lease answers `false` without asking Redis.
   *
   * @throws TokenStoreUnavailableError or TokenStoreError when Redis cannot answer (the lease
   * then counts as lost).
   */
  async confirm(generation: number | undefined): Promise<boolean> {
    if (this.#state !== 'held') return false;
    let answer: unknown;
    try {
      answer = await this.#scripts.run(
        CONFIRM,
        [this.#names.lock, this.#names.record],
        [this.#owner, generation === undefined ? '' : String(generation), String(this.#ttlMs)],
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

  /** Gives the lock up if it is still this lease's, and wakes the waiters. Never rejects. */
  async release(): Promise<void> {
    if (this.#state === 'released') return;
    this.#state = 'released';
    clearInterval(this.#renewal);
    // Even a lost lease tries: "lost" may mean only that Redis did not answer a renewal in time.
    await this.#scripts.tryRun(RELEASE, [this.#names.lock], [this.#owner, this.#names.events]);
  }

  async #renew(): Promise<void> {
    if (this.#state !== 'held') return;
    const answer = await this.#scripts
      .run(RENEW, [this.#names.lock], [this.#owner, String(this.#ttlMs)], `renewing ${this.#names.lock}`)
      .catch(() => 0);
    if (Number(answer) !== 1) this.#lose();
  }

  #lose(): void {
    if (this.#state === 'held') this.#state = 'lost';
    clearInterval(this.#renewal);
  }
}
