import { TwitchAPIError } from './twitch-api-error.js';

/** `UserAuthenticator.stop()` ended a running login before it finished. */
export class AuthorizationCancelledError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'AuthorizationCancelledError';

  constructor() {
    super(
      'The login was stopped with UserAuthenticator.stop() before it finished; call authenticate() to start a new one.',
    );
  }
}
