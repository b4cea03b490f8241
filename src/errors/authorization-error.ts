import { TwitchAPIError } from './twitch-api-error.js';

/** What an {@link AuthorizationError} knows. */
export interface AuthorizationErrorDetails {
  /** Twitch's `error` parameter, e.g. `access_denied`, `invalid_scope`. */
  readonly error: string;
  /** Twitch's `error_description`, when it sent one. */
  readonly description?: string | undefined;
}

/**
 * Twitch ended the authorization with an error instead of a code: the redirect to the app carried
 * `?error=…`. Subclasses name the common cases.
 *
 * Python: `twitchAPI.type.TwitchAuthorizationException`.
 */
export class AuthorizationError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'AuthorizationError';
  /** Twitch's `error` parameter, e.g. `invalid_scope`. */
  readonly error: string;
  /** Twitch's `error_description`, when it sent one. */
  readonly description: string | undefined;

  constructor(details: AuthorizationErrorDetails, message?: string) {
    const described = details.description === undefined ? '' : ` (${JSON.stringify(details.description)})`;
    super(
      message ??
        `Twitch ended the authorization with the error "${details.error}"${described}. Check the scopes and ` +
          `the app's settings at https://dev.twitch.tv/console/apps, then run the authorization again.`,
      { endpoint: 'GET /authorize', twitchMessage: details.description },
    );
    this.error = details.error;
    this.description = details.description;
  }
}
