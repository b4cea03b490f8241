import type { ReauthenticationRequiredError } from '../errors/reauthentication-required-error.js';
import type { TokenRecord } from '../store/token-store.js';
import type { UserToken } from '../tokens/user-token.js';
import { sameToken, storedWins, type Claim } from './token-record.js';
import { failureWaitMs, plannedRefreshAt, type TokenTiming } from './token-timing.js';

/**
 * Where one key's token stands. Pure data: {@link nextState} moves it, and whoever drives it
 * (a `TokenLine`) performs the I/O each state asks for. @internal
 *
 * - `empty`: nothing in memory yet; the store is read first.
 * - `fresh`: the record in use is in the store; the scheduler refreshes it at `refreshAt` (moved
 *   later, up to the deadline of another holder's `sending` mark, when that holder's answer may
 *   still come: callers keep the still-valid token meanwhile).
 * - `unsaved`: the record in use is newer than the store's (a given token, or a refresh whose
 *   write failed); it is used, and written with `writeIfNewer` from `retryAt` on.
 * - `refreshing`: the refresh protocol runs; `from` is what holds meanwhile (and is updated by
 *   what the run learns).
 * - `backing-off`: a refresh or a load failed in a way that may pass; tried again at `retryAt`.
 * - `lost`: the store confirmed nothing newer than a refused token; the store is read again from
 *   `recheckAt`, and a newer generation there revives the key.
 */
export type TokenState =
  | { readonly name: 'empty' }
  | { readonly name: 'fresh'; readonly record: TokenRecord; readonly refreshAt: number }
  | {
      readonly name: 'unsaved';
      readonly record: TokenRecord;
      readonly claim: Claim;
      readonly refreshAt: number;
      readonly failures: number;
      readonly retryAt: number;
      readonly error: unknown;
    }
  | { readonly name: 'refreshing'; readonly from: Exclude<TokenState, { name: 'empty' | 'refreshing' | 'lost' }> }
  | {
      readonly name: 'backing-off';
      readonly record: TokenRecord | undefined;
      readonly failures: number;
      readonly retryAt: number;
      readonly error: unknown;
    }
  | {
      readonly name: 'lost';
      readonly record: TokenRecord | undefined;
      readonly error: ReauthenticationRequiredError;
      readonly recheckAt: number;
    };

/** What the driver learned or did. @internal */
export type TokenEvent =
  /** The store holds this record (read, or returned by a write). */
  | { readonly type: 'stored'; readonly record: TokenRecord }
  /** A caller handed over a token (constructor, `setToken()`, `addUser()`). */
  | { readonly type: 'given'; readonly token: UserToken; readonly claim: 'seed' | 'login' }
  | { readonly type: 'refresh-started' }
  /** Another holder is sending the stored record's refresh token: refresh no sooner than `until`. */
  | { readonly type: 'deferred'; readonly until: number }
  | { readonly type: 'refresh-ended' }
  /** A record the store must still take: its write failed. */
  | { readonly type: 'unsaved'; readonly record: TokenRecord; readonly claim: Claim; readonly error: unknown }
  /** A failure that may pass (network, outage, 429, a store that is down). */
  | { readonly type: 'failed'; readonly error: unknown }
  /** The login cannot be kept alive, and the store holds nothing newer. */
  | { readonly type: 'lost'; readonly error: ReauthenticationRequiredError };

/** The record in memory, whatever the state (a lost one included). @internal */
export function heldRecord(state: TokenState): TokenRecord | undefined {
  if (state.name === 'refreshing') return heldRecord(state.from);
  return state.name === 'empty' ? undefined : state.record;
}

/** The claim of a record the store does not hold yet; `undefined` when the store holds it. @internal */
export function claimOf(state: TokenState): Claim | undefined {
  if (state.name === 'refreshing') return claimOf(state.from);
  return state.name === 'unsaved' ? state.claim : undefined;
}

/** The token that may be handed out: none while empty or lost. @internal */
export function tokenInUse(state: TokenState): UserToken | undefined {
  return state.name === 'lost' ? undefined : heldRecord(state)?.token;
}

/** When the state next needs the driver (refresh, retry, write, re-read); `undefined` while a refresh runs. @internal */
export function dueAt(state: TokenState): number | undefined {
  switch (state.name) {
    case 'empty':
      return Number.NEGATIVE_INFINITY;
    case 'fresh':
      return state.refreshAt;
    case 'unsaved':
      return Math.min(state.retryAt, state.refreshAt);
    case 'refreshing':
      return undefined;
    case 'backing-off':
      return state.retryAt;
    case 'lost':
      return state.recheckAt;
  }
}

/** The state after `event` at time `now`: the newest generation wins in memory, as in the store. @internal */
export function nextState(state: TokenState, event: TokenEvent, now: number, timing: TokenTiming): TokenState {
  if (state.name === 'refreshing') {
    if (event.type === 'refresh-ended') return state.from;
    const from = nextState(state.from, event, now, timing);
    return from.name === 'empty' || from.name === 'lost' || from.name === 'refreshing'
      ? from
      : { name: 'refreshing', from };
  }
  const held = heldRecord(state);
  switch (event.type) {
    case 'refresh-started':
      return state.name === 'empty' || state.name === 'lost' ? state : { name: 'refreshing', from: state };
    case 'refresh-ended':
      return state;
    case 'deferred':
      return state.name === 'fresh' && event.until > state.refreshAt ? { ...state, refreshAt: event.until } : state;
    case 'given':
      return unsaved({ token: event.token, generation: held?.generation ?? 0 }, event.claim, 0, now, undefined, state);
    case 'stored':
      if (storedWins(event.record, held, claimOf(state))) {
        const keep = held !== undefined && state.name !== 'lost' && sameToken(held.token, event.record.token);
        const refreshAt = keep && 'refreshAt' in state ? state.refreshAt : plannedRefreshAt(event.record.token, timing);
        return { name: 'fresh', record: event.record, refreshAt };
      }
      return state.name === 'lost' ? { ...state, recheckAt: now + timing.lostRecheckMs } : state;
    case 'unsaved': {
      const again = state.name === 'unsaved' && sameToken(state.record.token, event.record.token);
      const failures = (again ? state.failures : 0) + 1;
      const retryAt = now + failureWaitMs(failures, event.error, timing);
      return unsaved(event.record, event.claim, failures, retryAt, event.error, state);
    }
    case 'failed': {
      if (state.name === 'lost') return { ...state, recheckAt: now + timing.lostRecheckMs };
      const failures = (state.name === 'unsaved' || state.name === 'backing-off' ? state.failures : 0) + 1;
      const retryAt = now + failureWaitMs(failures, event.error, timing);
      if (state.name === 'unsaved') return { ...state, failures, retryAt, error: event.error };
      return { name: 'backing-off', record: held, failures, retryAt, error: event.error };
    }
    case 'lost':
      return { name: 'lost', record: held, error: event.error, recheckAt: now + timing.lostRecheckMs };
  }

  function unsaved(
    record: TokenRecord,
    claim: Claim,
    failures: number,
    retryAt: number,
    error: unknown,
    previous: TokenState,
  ): TokenState {
    const same = previous.name === 'unsaved' && sameToken(previous.record.token, record.token);
    const refreshAt = same ? previous.refreshAt : plannedRefreshAt(record.token, timing);
    return { name: 'unsaved', record, claim, refreshAt, failures, retryAt, error };
  }
}
