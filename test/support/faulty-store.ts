import { MemoryTokenStore, TokenStoreError } from '../../src/index.js';
import type {
  LockOptions,
  SendingMark,
  TokenLease,
  TokenRecord,
  TokenStore,
  WriteOutcome,
} from '../../src/store/token-store.js';

/** Every record a {@link SharedStore} accepted, in order, and the data losses injected. */
export interface StoreEvent {
  readonly kind: 'written' | 'lost data';
  readonly key: string;
  readonly generation: number;
  readonly accessToken: string;
}

/**
 * The store several "processes" share: a {@link MemoryTokenStore} that remembers what it accepted,
 * so a test can check that it never went back to an older generation, and can lose data on purpose.
 */
export class SharedStore implements TokenStore {
  readonly history: StoreEvent[] = [];
  readonly #inner = new MemoryTokenStore();

  read(key: string): Promise<TokenRecord | undefined> {
    return this.#inner.read(key);
  }

  async writeIfNewer(key: string, record: TokenRecord): Promise<WriteOutcome> {
    const outcome = await this.#inner.writeIfNewer(key, record);
    if (outcome.written) {
      this.history.push({
        kind: 'written',
        key,
        generation: record.generation,
        accessToken: record.token.accessToken,
      });
    }
    return outcome;
  }

  lock(key: string, options?: LockOptions): Promise<TokenLease> {
    return this.#inner.lock(key, options);
  }

  keys(): AsyncIterable<string> {
    return this.#inner.keys();
  }

  delete(key: string): Promise<void> {
    return this.#inner.delete(key);
  }

  /** Data loss: the store comes back holding `older` (a restart from an old snapshot, a lagging replica). */
  async loseData(key: string, older: TokenRecord): Promise<void> {
    await this.#inner.delete(key);
    await this.#inner.writeIfNewer(key, older);
    this.history.push({ kind: 'lost data', key, generation: older.generation, accessToken: older.token.accessToken });
  }

  /** The generations written, in order (data losses left out): they must only grow. */
  writtenGenerations(key: string): number[] {
    return this.history
      .filter((event) => event.key === key && event.kind === 'written')
      .map((event) => event.generation);
  }
}

/** A promise the test opens when it chooses. */
export class Gate {
  readonly opened: Promise<void>;
  #open: () => void = () => undefined;

  constructor() {
    this.opened = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  open(): void {
    this.#open();
  }
}

/**
 * One process's view of a {@link SharedStore}, with faults the test switches on: failing writes,
 * writes held back (they land late), and a hook right after a successful `confirm` that can make
 * the lease lapse and stall the holder (the window between confirm and the request reaching Twitch).
 */
export class FaultyStoreView implements TokenStore {
  /** Writes reject with a `TokenStoreError` (a full disk, Redis refusing). */
  failWrites = false;
  /** When set, writes wait for this gate before they reach the store. */
  holdWrites: Gate | undefined;
  /** Called after a `confirm` that resolved true, before the caller sees it; awaited. */
  afterConfirm: ((lease: LapsableLease) => Promise<void>) | undefined;
  /** How many writes were refused by the fault. */
  failedWrites = 0;
  readonly #shared: TokenStore;

  constructor(shared: TokenStore) {
    this.#shared = shared;
  }

  read(key: string): Promise<TokenRecord | undefined> {
    return this.#shared.read(key);
  }

  async writeIfNewer(key: string, record: TokenRecord): Promise<WriteOutcome> {
    const gate = this.holdWrites;
    if (gate !== undefined) await gate.opened;
    if (this.failWrites) {
      this.failedWrites += 1;
      throw new TokenStoreError({ path: key, reason: 'io' }, 'Injected: the store refused the write.');
    }
    return this.#shared.writeIfNewer(key, record);
  }

  async lock(key: string, options?: LockOptions): Promise<TokenLease> {
    const lease = new LapsableLease(await this.#shared.lock(key, options));
    return {
      confirm: async (generation, mark) => {
        const confirmed = await lease.confirm(generation, mark);
        if (confirmed && this.afterConfirm !== undefined) await this.afterConfirm(lease);
        return confirmed;
      },
      markRefused: (generation, appId) => lease.markRefused(generation, appId),
      release: () => lease.release(),
    };
  }

  keys(): AsyncIterable<string> {
    return this.#shared.keys();
  }

  delete(key: string): Promise<void> {
    return this.#shared.delete(key);
  }
}

/** A lease that the test can make lapse: the lock goes to the next waiter, this holder does not know. */
export class LapsableLease implements TokenLease {
  #lapsed = false;
  readonly #inner: TokenLease;

  constructor(inner: TokenLease) {
    this.#inner = inner;
  }

  /** Lets the lock go, as a lock lifetime running out while its holder stalls. */
  async lapse(): Promise<void> {
    this.#lapsed = true;
    await this.#inner.release();
  }

  confirm(generation: number | undefined, mark: SendingMark): Promise<boolean> {
    return this.#lapsed ? Promise.resolve(false) : this.#inner.confirm(generation, mark);
  }

  markRefused(generation: number, appId: string): Promise<void> {
    return this.#inner.markRefused(generation, appId);
  }

  release(): Promise<void> {
    return this.#lapsed ? Promise.resolve() : this.#inner.release();
  }
}
