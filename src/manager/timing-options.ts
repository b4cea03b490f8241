import type { TokenTiming } from '../lifecycle/token-timing.js';
import { checkDuration } from '../options/duration.js';

/** When a `TokenManager` or `TokenPool` refreshes, validates and re-checks; every one has a default. */
export interface TimingOptions {
  /** Refresh this long before the access token expires (at half-life for shorter tokens). Default: `300_000` (5 minutes). */
  readonly refreshMarginMs?: number;
  /** Validate this often, as Twitch requires of every app (hourly). Default: `3_600_000`. */
  readonly validateIntervalMs?: number;
  /**
   * Timed refreshes come up to this much earlier, at random (at most a tenth of the token's
   * lifetime before the margin), so that tokens obtained together stop refreshing together.
   * `getAccessToken()` still refreshes only from `refreshMarginMs` before expiry. Default: `60_000`.
   */
  readonly refreshJitterMs?: number;
  /**
   * The least time between two refreshes of one token: a token Twitch issued with `expires_in: 0`
   * (or a few seconds) is refreshed at most this often, not on every call. Explicit `refresh()`
   * calls are not held back. Default: `1000`; at least `100`.
   */
  readonly minRefreshIntervalMs?: number;
  /**
   * While the login is lost, the store is read this often: a new token written by any process
   * sharing it (`setToken()` there) revives this one. Default: `60_000`; at least `1000`.
   */
  readonly lostRecheckMs?: number;
}

/** The timing options, checked (a `TypeError` names a bad one) and resolved. @internal */
export function timingOf(options: TimingOptions): TokenTiming {
  return {
    refreshMarginMs: checkDuration('refreshMarginMs', options.refreshMarginMs ?? 300_000),
    refreshJitterMs: checkDuration('refreshJitterMs', options.refreshJitterMs ?? 60_000),
    minRefreshIntervalMs: checkDuration('minRefreshIntervalMs', options.minRefreshIntervalMs ?? 1000, { min: 100 }),
    lostRecheckMs: checkDuration('lostRecheckMs', options.lostRecheckMs ?? 60_000, { min: 1000 }),
    random: () => Math.random(),
  };
}

/** The checked `validateIntervalMs`. @internal */
export function validateIntervalOf(options: TimingOptions): number {
  return checkDuration('validateIntervalMs', options.validateIntervalMs ?? 3_600_000, { min: 1 });
}
