import type { HttpOptions } from '../http/options.js';
import type { UserToken } from '../tokens/user-token.js';
import { requireLine, requireText } from './require-text.js';
import { requestUserToken } from './token-endpoint.js';

/**
 * Exchanges an authorization code (from the redirect after the user's login) for a user token.
 * `UserAuthenticator` does this for you; call it yourself when your own web server receives the
 * redirect.
 *
 * @param appId - The app's client id.
 * @param appSecret - The app's client secret.
 * @param code - The `code` parameter of the redirect.
 * @param redirectUri - The same redirect URI the authorize URL carried, exactly.
 * @throws {@link CodeExchangeError} when Twitch refuses the code (expired, used, other redirect URI, public client).
 * @throws {@link UnauthorizedError} when Twitch refuses the app's credentials.
 * @throws {@link UnexpectedResponseError} when the answer cannot be used (e.g. a token with characters no Twitch token has).
 * @throws {@link TwitchNetworkError}, {@link TwitchBackendError}, {@link TwitchRateLimitError} when retries ran out.
 */
export async function exchangeCode(
  appId: string,
  appSecret: string,
  code: string,
  redirectUri: string,
  options?: HttpOptions,
): Promise<UserToken> {
  return requestUserToken(
    'authorization_code',
    {
      client_id: requireText(appId, 'appId'),
      client_secret: requireText(appSecret, 'appSecret'),
      code: requireText(code, 'code'),
      grant_type: 'authorization_code',
      redirect_uri: requireLine(redirectUri, 'redirectUri'),
    },
    options,
  );
}
