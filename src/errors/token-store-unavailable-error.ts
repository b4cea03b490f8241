import { TwitchAPIError } from './twitch-api-error.js';

/**
 * A shared token store (Redis) could not be reached in time, or another process held its refresh
 * lock for too long. Transient: a `TokenManager` keeps its still-valid token and tries again, and
 * never refreshes without the store's lock (a public client's refresh token works only once).
 */
export class TokenStoreUnavailableError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'TokenStoreUnavailableError';
  override readonly transient: boolean = true;

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? {} : { cause });
  }
}
