import { describeAnswer, TwitchAPIError, type TwitchAPIErrorDetails } from './twitch-api-error.js';

/**
 * Twitch refused to exchange an authorization code for tokens (400 at `POST /token`). The code
 * expired (after about 10 minutes), was already used, came with a different redirect URI, or the
 * app is registered as a Public client, which cannot use this flow.
 */
export class CodeExchangeError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'CodeExchangeError';

  constructor(details: TwitchAPIErrorDetails) {
    super(
      `Twitch refused to exchange the authorization code (${describeAnswer(details)}). If the app is registered ` +
        `as a Public client in the Twitch console, it cannot use the authorization code flow: use DeviceCodeFlow ` +
        `instead. Otherwise the code expired, was already used, or was issued for another redirect URI: run the ` +
        `authorization again.`,
      details,
    );
  }
}
