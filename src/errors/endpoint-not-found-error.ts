import { describeAnswer, TwitchAPIError, type TwitchAPIErrorDetails } from './twitch-api-error.js';

/** What an {@link EndpointNotFoundError} knows besides the common details. */
export interface EndpointNotFoundErrorDetails extends TwitchAPIErrorDetails {
  /** The base URL that does not serve the endpoint (the `authBaseUrl` option, normalized). */
  readonly baseUrl: string;
}

/**
 * The server behind `authBaseUrl` does not serve this endpoint: it answered 404 without Twitch's
 * JSON error body (e.g. a plain-text `404 page not found`). Twitch answers its own 404s (an
 * unknown client at `/revoke`) with that body, so this is not Twitch saying "unknown": it is
 * another server. The twitch CLI's `mock-api` is the usual one: it serves only `POST /token`
 * (client credentials), `POST /authorize` (its `user_token` grant) and `GET /validate`. Permanent.
 */
export class EndpointNotFoundError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'EndpointNotFoundError';
  /** The base URL that does not serve the endpoint. */
  readonly baseUrl: string;

  constructor(details: EndpointNotFoundErrorDetails) {
    super(
      `${details.baseUrl} does not serve ${details.endpoint ?? 'this endpoint'} (${describeAnswer({ ...details, endpoint: undefined })}, ` +
        `not Twitch's JSON error body). If it is the twitch CLI's mock-api, it has no /revoke, /userinfo or /device ` +
        `and only the client-credentials grant at /token: test those calls against the bundled fake ` +
        `(twitchapi-oauth/testing) or Twitch. Otherwise check the authBaseUrl option: Twitch's is ` +
        `https://id.twitch.tv/oauth2, path included.`,
      details,
    );
    this.baseUrl = details.baseUrl;
  }
}
