import type { HttpOptions } from '../http/options.js';
import type { ScopeLike } from '../scopes.js';
import type { AccessToken } from '../tokens/access-token.js';
import { requireText } from './require-text.js';
import { requestAccessToken } from './token-endpoint.js';

/**
 * Gets an app access token (client credentials grant), for API calls that act as the app rather
 * than a user. App tokens cannot be refreshed: get a new one when it expires.
 *
 * @param appId - The app's client id.
 * @param appSecret - The app's client secret.
 * @param scopes - Scopes for the token; most app-token calls need none. Default: none.
 * @param options - Where and how to call Twitch.
 * @throws {@link UnauthorizedError} when Twitch refuses the app's credentials.
 * @throws {@link UnexpectedResponseError} when the answer cannot be used (e.g. a token with characters no Twitch token has).
 * @throws {@link TwitchNetworkError}, {@link TwitchBackendError}, {@link TwitchRateLimitError} when retries ran out.
 */
export async function getAppAccessToken(
  appId: string,
  appSecret: string,
  scopes: readonly ScopeLike[] = [],
  options?: HttpOptions,
): Promise<AccessToken> {
  return requestAccessToken(
    {
      client_id: requireText(appId, 'appId'),
      client_secret: requireText(appSecret, 'appSecret'),
      grant_type: 'client_credentials',
      scope: scopes.length === 0 ? undefined : scopes.join(' '),
    },
    options,
  );
}
