import { TwitchAPIError, type TwitchAPIErrorDetails } from './twitch-api-error.js';

/**
 * The device code expired (or Twitch no longer knows it) before the user approved the login.
 * Start again with a new `getCode()`.
 */
export class DeviceCodeExpiredError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'DeviceCodeExpiredError';

  constructor(details: TwitchAPIErrorDetails = {}) {
    super(
      'The device code expired before the login was approved. Call getCode() for a new code and show it to ' +
        'the user again; they have until it expires (usually 30 minutes) to enter it.',
      details,
    );
  }
}
