/**
 * The longest lifetime, in seconds, that a token is taken to have: one year. Twitch's longest
 * lifetimes (app access tokens) are about two months; a larger `expires_in` (`1e13`, `1e308`, or
 * `1e999`, which JSON reads as `Infinity`) is not believed but clamped to this, so that a token
 * Twitch issued is never dropped, and its expiry stays a valid date.
 */
export const MAX_EXPIRES_IN_SECONDS = 365 * 24 * 60 * 60;

/**
 * A lifetime from Twitch or from stored data, made safe to compute with: negative becomes `0`
 * (expired: the token is validated or refreshed before use), absurdly large becomes
 * {@link MAX_EXPIRES_IN_SECONDS}. `0` stays `0`. `NaN` is not a lifetime; callers refuse it first.
 * @internal
 */
export function clampExpiresIn(seconds: number): number {
  if (!(seconds > 0)) return 0;
  return Math.min(seconds, MAX_EXPIRES_IN_SECONDS);
}
