import type { TokenRecord } from '../store/token-store.js';
import type { UserToken } from '../tokens/user-token.js';

/**
 * How a token that the store does not hold yet ranks against what the store holds. @internal
 * - `seed`: given to a constructor or `addUser()`, lineage unknown: a stored token obtained at the
 *   same time or later wins (a replica restarted with an old token adopts the store's); otherwise
 *   it is written one generation above the stored one.
 * - `login`: given to `setToken()` after a new login: written one generation above whatever the
 *   store holds, always.
 * - `refreshed`: this process refreshed it: written at its generation; a stored generation as
 *   high wins (another writer got there first).
 */
export type Claim = 'seed' | 'login' | 'refreshed';

/** Whether two tokens are the same credentials (records read back from a store are new objects). @internal */
export function sameToken(a: UserToken, b: UserToken): boolean {
  return a.accessToken === b.accessToken && a.refreshToken === b.refreshToken;
}

/**
 * Whether a stored record replaces `held` in memory. For a record the store holds (a claim of
 * `undefined`), only a higher generation does, or the same generation with other credentials (the
 * store decides between equals). For a claim, see {@link Claim}. @internal
 */
export function storedWins(stored: TokenRecord, held: TokenRecord | undefined, claim?: Claim): boolean {
  if (held === undefined) return true;
  const same = sameToken(stored.token, held.token);
  switch (claim) {
    case undefined:
      return stored.generation > held.generation || (stored.generation === held.generation && !same);
    case 'refreshed':
      return same || stored.generation >= held.generation;
    case 'seed':
      return same || stored.token.obtainedAt >= held.token.obtainedAt;
    case 'login':
      return same;
  }
}

/**
 * The record to write for a claim, given what the store holds: a seed or login one generation
 * above the stored one (generation 1 over nothing), a refreshed record as it is. @internal
 */
export function recordToWrite(held: TokenRecord, claim: Claim, stored: TokenRecord | undefined): TokenRecord {
  if (claim === 'refreshed') return held;
  return { token: held.token, generation: (stored?.generation ?? 0) + 1 };
}

/**
 * The record with which a writer restores a store that lost it (restarted empty, or from an older
 * snapshot): marked as possibly being sent, since the lock that said who might be sending its
 * refresh token was lost with it. Every holder, the restorer included, then waits for an
 * outcome until `until` (now plus the longest a refresh call can take) before spending it. @internal
 */
export function restoredRecord(held: TokenRecord, spender: string, until: number): TokenRecord {
  return {
    token: held.token,
    generation: held.generation,
    spend: { state: 'sending', by: `restored:${spender}`, until },
  };
}
