import { TwitchAPIError } from './twitch-api-error.js';

/**
 * A login was started while another one of the same object was still running: `authenticate()` of
 * a `UserAuthenticator`, or `waitForAuthComplete()` of a `DeviceCodeFlow` (two waits would poll
 * twice as fast as Twitch allows).
 */
export class AuthenticationInProgressError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'AuthenticationInProgressError';

  constructor() {
    super(
      'A login is already running on this object (a UserAuthenticator or DeviceCodeFlow): await it, or stop it ' +
        '(stop(), or the signal you passed), before starting another; use one object per concurrent login.',
    );
  }
}
