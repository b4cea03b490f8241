import { TwitchRateLimitError } from '../errors/twitch-rate-limit-error.js';
import { backoffDelayMs } from '../http/backoff.js';
import type { HttpOptions } from '../http/options.js';
import { resolveHttpSettings } from '../http/settings.js';
import type { AccessToken } from '../tokens/access-token.js';

/** When a key's work falls due: the options of a `TokenManager` or `TokenPool`, resolved. @internal */
export interface TokenTiming {
  /** Refresh this long before expiry (half-life for tokens shorter than twice this). */
  readonly refreshMarginMs: number;
  /** Scheduled refreshes come up to this much earlier, at random (at most a tenth of the token's refresh window). */
  readonly refreshJitterMs: number;
  /** No refresh of one key sooner than this after its token was obtained, whatever `expires_in` says. */
  readonly minRefreshIntervalMs: number;
  /** How often a key whose login is lost re-reads the store for a newer token. */
  readonly lostRecheckMs: number;
  /** A number in [0, 1): `Math.random` unless a test pins it. */
  readonly random: () => number;
}

/** The first wait after a failure that may pass; it doubles per failure in a row. */
const FAILURE_BASE_DELAY_MS = 5000;
/** The longest wait between attempts after failures that may pass. */
const FAILURE_MAX_DELAY_MS = 300_000;
/** No attempt follows a failure sooner than this: no tight loop. */
export const MIN_RETRY_MS = 1000;
/** A 429's requested wait is honoured up to this (a broken `Retry-After` must not stop a pool for days). */
export const MAX_RATE_LIMIT_WAIT_MS = 3_600_000;

/**
 * The time from which the token counts as due for a refresh, with no jitter: `getAccessToken()`
 * refreshes from then on. `refreshMarginMs` before expiry, at half-life for short tokens, and never
 * sooner than `minRefreshIntervalMs` after the token was obtained (a token that claims
 * `expires_in: 0` does not cause a refresh per call). @internal
 */
export function refreshDeadline(token: AccessToken, timing: TokenTiming): number {
  const margin = Math.min(timing.refreshMarginMs, (token.expiresIn * 1000) / 2);
  return Math.max(token.obtainedAt + timing.minRefreshIntervalMs, token.expiresAt - margin);
}

/**
 * When the scheduler refreshes the token: the deadline moved earlier by a random part of
 * `refreshJitterMs` (at most a tenth of the time from obtaining to the deadline), so that tokens
 * obtained together drift apart instead of refreshing together forever. Computed once per token. @internal
 */
export function plannedRefreshAt(token: AccessToken, timing: TokenTiming): number {
  const deadline = refreshDeadline(token, timing);
  const window = Math.min(timing.refreshJitterMs, Math.max(0, deadline - token.obtainedAt) / 10);
  return Math.max(token.obtainedAt + timing.minRefreshIntervalMs, deadline - Math.floor(window * timing.random()));
}

/**
 * The wait after the n-th failure in a row that may pass: 5 s doubling to 5 minutes with full
 * jitter, never under a second, and never shorter than a rate limit asked for (up to an hour). @internal
 */
export function failureWaitMs(failures: number, error: unknown, timing: TokenTiming): number {
  const backoff = Math.max(
    MIN_RETRY_MS,
    backoffDelayMs(failures, FAILURE_BASE_DELAY_MS, FAILURE_MAX_DELAY_MS, timing.random),
  );
  return Math.max(backoff, rateLimitWaitMs(error) ?? 0);
}

/** How long a 429 asked to wait, capped; `undefined` when `error` is not a rate limit. @internal */
export function rateLimitWaitMs(error: unknown): number | undefined {
  if (!(error instanceof TwitchRateLimitError)) return undefined;
  return Math.min(MAX_RATE_LIMIT_WAIT_MS, Math.max(MIN_RETRY_MS, error.retryAfterMs ?? FAILURE_BASE_DELAY_MS));
}

/** What a holder needs after Twitch's final answer to store the new record. */
const WRITE_ALLOWANCE_MS = 2000;
/** The attempt time limit assumed for a caller that set none (`timeoutMs: 0`): a wait must end. */
const UNLIMITED_ATTEMPT_ASSUMED_MS = 30_000;
/**
 * The longest a holder waits for another's answer, whatever its mark says: a mark from a host whose
 * clock is far ahead must not stop refreshes for long.
 */
export const MAX_SEND_WAIT_MS = 120_000;

/**
 * The longest a refresh call can take, every attempt and every wait between them included, plus
 * the write of its answer: a holder that confirmed at `t` has stored its answer by `t` plus this,
 * or never will (a stopped holder's time limit fires before it reads a late answer). With the
 * defaults (3 attempts of 10 s, waits of up to 10 s): 52 s. @internal
 */
export function refreshCallLimitMs(http: HttpOptions): number {
  const settings = resolveHttpSettings(http);
  const attemptMs = settings.timeoutMs === 0 ? UNLIMITED_ATTEMPT_ASSUMED_MS : settings.timeoutMs;
  return (settings.retryLimit + 1) * attemptMs + settings.retryLimit * settings.maxDelayMs + WRITE_ALLOWANCE_MS;
}

/** How often a holder waiting for another's answer reads the record again. @internal */
export const SPEND_POLL_MS = 250;
