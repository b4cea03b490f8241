import { statesMatch } from './states-match.js';

/** The most characters of `error` and `error_description` kept: they end up in messages and pages. */
const MAX_QUOTED_LENGTH = 200;

/** What a request to the redirect URI says, once its query is checked. */
export type CallbackReading =
  /** A code for the expected state: exchange it. */
  | { readonly kind: 'code'; readonly code: string }
  /** Twitch ended the authorization with an error, for the expected state. */
  | { readonly kind: 'error'; readonly error: string; readonly description: string | undefined }
  /** `error=redirect_mismatch` without a state, as Twitch sends it: likely real, but cannot be verified. */
  | { readonly kind: 'unverified-mismatch'; readonly description: string | undefined }
  /** Not for this authorization: a wrong, missing or repeated state. Ignore it and keep waiting. */
  | { readonly kind: 'foreign' }
  /** The expected state but neither a code nor an error. */
  | { readonly kind: 'incomplete' };

/**
 * Reads the query of a request to the redirect URI. Every parameter Twitch sends must appear at
 * most once (RFC 6749 §3.1); a repeated one makes the request foreign or incomplete.
 *
 * Twitch sends `error=redirect_mismatch` to the app's first registered URI WITHOUT a state, so it
 * cannot be told from a forged request (any web page can make the browser send one): it is read
 * as `unverified-mismatch`, for the caller to explain without ending the login.
 */
export function readCallback(query: URLSearchParams, expectedState: string): CallbackReading {
  const single = (name: string): string | undefined => {
    const values = query.getAll(name);
    return values.length === 1 ? values[0] : undefined;
  };
  const quoted = (name: string): string | undefined => bounded(single(name));
  const error = single('error');
  const states = query.getAll('state');
  if (error === 'redirect_mismatch' && states.length === 0) {
    return { kind: 'unverified-mismatch', description: quoted('error_description') };
  }
  const state = single('state');
  if (state === undefined || !statesMatch(state, expectedState)) return { kind: 'foreign' };
  if (error !== undefined) return { kind: 'error', error: bounded(error), description: quoted('error_description') };
  const code = single('code');
  return code === undefined || code === '' ? { kind: 'incomplete' } : { kind: 'code', code };
}

/** Cuts a value from the query to {@link MAX_QUOTED_LENGTH} characters, marking the cut. */
function bounded<Value extends string | undefined>(value: Value): Value {
  if (value === undefined || value.length <= MAX_QUOTED_LENGTH) return value;
  return `${value.slice(0, MAX_QUOTED_LENGTH - 1)}…` as Value;
}
