import { describeAnswer, TwitchAPIError, type TwitchAPIErrorDetails } from './twitch-api-error.js';

/**
 * Twitch refused the application's credentials: the client id is unknown, or the client secret is
 * wrong (it was regenerated in the console, or belongs to another app). Twitch documents 401 for
 * this and answers 403 `invalid client secret` in practice; both land here.
 *
 * Python: `twitchAPI.type.UnauthorizedException`.
 */
export class UnauthorizedError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'UnauthorizedError';

  constructor(details: TwitchAPIErrorDetails = {}) {
    super(
      `Twitch refused the application's credentials (${describeAnswer(details)}). Check the client id ` +
        `and client secret against https://dev.twitch.tv/console/apps; a secret that was regenerated ` +
        `there must be updated here too.`,
      details,
    );
  }
}
