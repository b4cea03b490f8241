import type { UserToken } from '../tokens/user-token.js';

/**
 * Where a {@link TokenManager} keeps its token, under a key (one per Twitch account). Ships as
 * {@link MemoryTokenStore} and {@link FileTokenStore}; implement it to keep tokens elsewhere.
 *
 * `update` is what makes refreshes safe: the manager refreshes inside it, so a store shared by
 * several processes can let exactly one of them refresh while the others wait and then receive
 * the new token (a public client's refresh token works once).
 */
export interface TokenStore {
  /** The stored token, or `undefined` when there is none. */
  get(key: string): Promise<UserToken | undefined>;
  /** Stores a token. Readers see the old token or the new one, never a mix or nothing. */
  set(key: string, token: UserToken): Promise<void>;
  /**
   * Replaces the stored token with `replace(current)`, with no other update of the same key in
   * between: in this process, and across processes for a shared store. `current` is the token
   * stored when the update starts, which may be newer than the caller's copy; `replace` may
   * return it unchanged. The result is stored before `update` resolves with it. If `replace`
   * throws, nothing is stored and `update` rejects with that error.
   */
  update(key: string, replace: (current: UserToken | undefined) => Promise<UserToken>): Promise<UserToken>;
}
