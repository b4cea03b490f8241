import { describeAnswer, TwitchAPIError, type TwitchAPIErrorDetails } from './twitch-api-error.js';
import { attemptsText } from './twitch-backend-error.js';

/** What a {@link TwitchRateLimitError} knows besides the common details. */
export interface TwitchRateLimitErrorDetails extends TwitchAPIErrorDetails {
  /** How many times the call was tried. */
  readonly attempts: number;
  /** How long Twitch asked to wait, from `Retry-After` or `Ratelimit-Reset`, when it said. */
  readonly retryAfterMs?: number | undefined;
}

/**
 * Twitch answered 429 Too Many Requests on every attempt, or asked to wait longer than the retry
 * policy allows. Transient: wait {@link TwitchRateLimitError.retryAfterMs} and try again.
 */
export class TwitchRateLimitError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'TwitchRateLimitError';
  override readonly transient: boolean = true;
  /** How many times the call was tried. */
  readonly attempts: number;
  /** How long Twitch asked to wait, in milliseconds, when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(details: TwitchRateLimitErrorDetails) {
    const wait =
      details.retryAfterMs === undefined ? 'Wait a little' : `Wait ${String(Math.ceil(details.retryAfterMs / 1000))} s`;
    super(
      `Twitch is rate limiting this client (${describeAnswer(details)}) on ${attemptsText(details.attempts)}. ` +
        `${wait} before trying again, and make fewer calls (cache tokens instead of fetching new ones).`,
      details,
    );
    this.attempts = details.attempts;
    this.retryAfterMs = details.retryAfterMs;
  }
}
