import type { ClientHttpOptions } from '../http/options.js';
import { checkDuration } from '../options/duration.js';

/**
 * Checks, at construction, the duration options that every class calling Twitch accepts: a
 * `TypeError` naming the option and its allowed range, rather than a timer that overflows and fires
 * at once on the first call. @internal
 */
export function checkClientDurations(options: ClientHttpOptions): void {
  if (options.requestTimeoutMs !== undefined) checkDuration('requestTimeoutMs', options.requestTimeoutMs);
  const { retry } = options;
  if (typeof retry === 'object') {
    if (retry.baseDelayMs !== undefined) checkDuration('retry.baseDelayMs', retry.baseDelayMs);
    if (retry.maxDelayMs !== undefined) checkDuration('retry.maxDelayMs', retry.maxDelayMs);
  }
}
