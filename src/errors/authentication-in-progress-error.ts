import { TwitchAPIError } from './twitch-api-error.js';

/** `authenticate()` was called while a login of the same `UserAuthenticator` was still running. */
export class AuthenticationInProgressError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'AuthenticationInProgressError';

  constructor() {
    super(
      'A login is already running on this UserAuthenticator: await the first authenticate() (or call stop()) ' +
        'before starting another, or use one UserAuthenticator per concurrent login.',
    );
  }
}
