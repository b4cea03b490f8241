import { TwitchAPIError } from './twitch-api-error.js';

/**
 * Tells a failure worth retrying later (network trouble, Twitch outage, rate limit) from a
 * permanent one (refused credentials or tokens, bad input). Anything that is not an error of this
 * library counts as permanent.
 *
 * @example
 * ```ts
 * try { await refreshAccessToken(refresh, appId, appSecret); }
 * catch (error) { if (!isTransientError(error)) askUserToLogInAgain(); }
 * ```
 */
export function isTransientError(error: unknown): boolean {
  return error instanceof TwitchAPIError && error.transient;
}
