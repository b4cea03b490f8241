import { checkSpendMark } from './spend-mark.js';
import type { LockOptions, TokenLease, TokenRecord, TokenStore, WriteOutcome } from './token-store.js';

/** One key's refresh lock: who holds it, and who waits (in arrival order). */
interface KeyLockState {
  holder: object | undefined;
  readonly waiters: Waiter[];
}

interface Waiter {
  readonly grant: () => void;
}

/**
 * Keeps tokens in this process's memory: the default store of a `TokenManager`. Tokens are lost
 * when the process ends; use {@link FileTokenStore} to keep them.
 *
 * Follows the whole {@link TokenStore} contract within the process: several managers sharing one
 * instance coordinate exactly as processes sharing a Redis store do. Its locks never lapse.
 */
export class MemoryTokenStore implements TokenStore {
  readonly #records = new Map<string, TokenRecord>();
  readonly #locks = new Map<string, KeyLockState>();

  /** See {@link TokenStore.read}. */
  read(key: string): Promise<TokenRecord | undefined> {
    return Promise.resolve(this.#records.get(key));
  }

  /** See {@link TokenStore.writeIfNewer}. */
  async writeIfNewer(key: string, record: TokenRecord): Promise<WriteOutcome> {
    await Promise.resolve(); // a bad record rejects, as a store's I/O would; it never throws synchronously
    const copy = copyOf(record); // checked first: a bad record is refused whatever is stored
    const current = this.#records.get(key);
    if (current !== undefined && current.generation >= copy.generation) return { written: false, current };
    this.#records.set(key, copy);
    return { written: true, current: copy };
  }

  /** See {@link TokenStore.lock}. Waiters are served in arrival order. */
  lock(key: string, options: LockOptions = {}): Promise<TokenLease> {
    const { signal } = options;
    if (signal?.aborted === true) return rejectWithReason(signal);
    let state = this.#locks.get(key);
    if (state === undefined) {
      state = { holder: undefined, waiters: [] };
      this.#locks.set(key, state);
    }
    const lockState = state;
    if (lockState.holder === undefined) return Promise.resolve(this.#grant(key, lockState));
    return new Promise<TokenLease>((resolve, reject) => {
      const onAbort = (): void => {
        const index = lockState.waiters.indexOf(waiter);
        if (index !== -1) lockState.waiters.splice(index, 1);
        if (signal !== undefined) rejectWithReason(signal).catch(reject);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#grant(key, lockState));
        },
      };
      lockState.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** See {@link TokenStore.keys}: the keys holding a record when the iteration starts. */
  async *keys(): AsyncIterable<string> {
    const snapshot = [...this.#records.keys()];
    for (const key of snapshot) yield await Promise.resolve(key);
  }

  /** See {@link TokenStore.delete}. */
  delete(key: string): Promise<void> {
    this.#records.delete(key);
    return Promise.resolve();
  }

  #grant(key: string, state: KeyLockState): TokenLease {
    const owner = {};
    state.holder = owner;
    const held = (): boolean => state.holder === owner && this.#locks.get(key) === state;
    return {
      confirm: (generation, mark) => {
        const stored = this.#records.get(key);
        if (!held() || stored?.generation !== generation) return Promise.resolve(false);
        if (stored !== undefined) this.#records.set(key, copyOf({ ...stored, spend: mark }));
        return Promise.resolve(true);
      },
      markRefused: (generation, appId) => {
        const stored = this.#records.get(key);
        if (stored?.generation === generation)
          this.#records.set(key, copyOf({ ...stored, spend: { state: 'refused', appId } }));
        return Promise.resolve();
      },
      release: () => {
        if (held()) {
          const next = state.waiters.shift();
          state.holder = undefined;
          if (next === undefined) this.#locks.delete(key);
          else next.grant();
        }
        return Promise.resolve();
      },
    };
  }
}

/** A frozen copy: the caller's object may be anything shaped like a record, and may change later. */
function copyOf(record: TokenRecord): TokenRecord {
  const { token, generation } = record;
  const spend = checkSpendMark(record.spend);
  if (spend === undefined) return Object.freeze({ token, generation });
  return Object.freeze({ token, generation, spend: Object.freeze(spend) });
}

/** A promise rejected with the signal's reason, whatever it is (`AbortSignal.throwIfAborted` throws it). */
async function rejectWithReason(signal: AbortSignal): Promise<never> {
  await Promise.resolve();
  signal.throwIfAborted();
  throw new Error('The signal was not aborted.');
}
