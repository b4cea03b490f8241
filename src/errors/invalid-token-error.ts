import { describeAnswer, TwitchAPIError, type TwitchAPIErrorDetails } from './twitch-api-error.js';

/**
 * Twitch refused an access token: it has expired, was revoked, or lacks what the call needs (the
 * user info endpoint needs the `openid` scope).
 *
 * Python: `twitchAPI.type.InvalidTokenException`.
 */
export class InvalidTokenError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'InvalidTokenError';

  constructor(details: TwitchAPIErrorDetails = {}) {
    super(
      `Twitch refused the access token (${describeAnswer(details)}). It has expired, was revoked, or ` +
        `lacks a scope the call needs. Refresh it with refreshAccessToken(), or run the authorization ` +
        `flow again.`,
      details,
    );
  }
}
