import { TwitchAPIError } from './twitch-api-error.js';

/**
 * The token cannot be kept alive any longer: its refresh token was refused (revoked, expired, or
 * spent), the app's credentials were refused, or the token belongs to another app. Retrying
 * cannot help: the user must log in again, then hand the new token to `TokenManager.setToken()`.
 * The `cause` says which.
 */
export class ReauthenticationRequiredError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'ReauthenticationRequiredError';

  constructor(reason: string, cause?: unknown) {
    super(
      `The Twitch login can no longer be refreshed: ${reason} The user must log in again (UserAuthenticator or ` +
        `DeviceCodeFlow); give the new token to manager.setToken(token).`,
      { cause },
    );
  }
}
