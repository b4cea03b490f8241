import { describeAnswer, TwitchAPIError, type TwitchAPIErrorDetails } from './twitch-api-error.js';

/**
 * Twitch refused a refresh token. It was revoked (the user disconnected the app or changed their
 * password), expired (public clients' refresh tokens expire after 30 days unused), was already
 * spent (public clients' refresh tokens work once), or belongs to another app. Retrying cannot
 * help: the user has to authorize the app again.
 *
 * Python: `twitchAPI.type.InvalidRefreshTokenException`.
 */
export class InvalidRefreshTokenError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'InvalidRefreshTokenError';

  constructor(details: TwitchAPIErrorDetails = {}) {
    super(
      `Twitch refused the refresh token (${describeAnswer(details)}). It was revoked, has expired, ` +
        `was already used (a public client's refresh token works only once) or belongs to another app. ` +
        `Run the authorization flow again to get a new token.`,
      details,
    );
  }
}
