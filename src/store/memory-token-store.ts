import type { UserToken } from '../tokens/user-token.js';
import { KeyLock } from './key-lock.js';
import type { TokenStore } from './token-store.js';

/**
 * Keeps tokens in this process's memory: the default store of a `TokenManager`. Tokens are lost
 * when the process ends; use {@link FileTokenStore} to keep them.
 */
export class MemoryTokenStore implements TokenStore {
  readonly #tokens = new Map<string, UserToken>();
  readonly #lock = new KeyLock();

  /** The token stored under `key`, or `undefined`. */
  get(key: string): Promise<UserToken | undefined> {
    return Promise.resolve(this.#tokens.get(key));
  }

  /** Stores a token under `key`. */
  set(key: string, token: UserToken): Promise<void> {
    return this.#lock.run(key, () => {
      this.#tokens.set(key, token);
      return Promise.resolve();
    });
  }

  /** See {@link TokenStore.update}. */
  update(key: string, replace: (current: UserToken | undefined) => Promise<UserToken>): Promise<UserToken> {
    return this.#lock.run(key, async () => {
      const next = await replace(this.#tokens.get(key));
      this.#tokens.set(key, next);
      return next;
    });
  }
}
