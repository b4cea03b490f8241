import type { HttpOptions } from '../http/options.js';
import type { UserToken } from '../tokens/user-token.js';
import { requireText } from './require-text.js';
import { requestUserToken } from './token-endpoint.js';

/**
 * Gets a new access token for a user token's refresh token. Always store the returned
 * `refreshToken`: public clients' refresh tokens work only once.
 *
 * Python: `refresh_access_token(refresh_token, app_id, app_secret)`, which returned the pair
 * `(access_token, refresh_token)`; the result here destructures the same way.
 *
 * @param refreshToken - The current refresh token.
 * @param appId - The client id of the app the token belongs to.
 * @param appSecret - The app's client secret; omit it (or pass `null`) for a public client (device code tokens).
 * A public client's refresh is not retried after a failure that may have reached Twitch: its refresh
 * token works once, so a repeat would be refused and hide the outcome.
 * @param options - Where and how to call Twitch.
 * @returns The new token; `const [accessToken, refreshToken] = …` works too.
 * @throws {@link InvalidRefreshTokenError} when Twitch refuses the refresh token (400): ask the user to log in again.
 * @throws {@link UnauthorizedError} when Twitch refuses the app's credentials (401, 403).
 * @throws {@link UnexpectedResponseError} when the answer cannot be used. Since the refresh token
 * sent is spent by then, a token in the answer is refused only when it could not be sent at all
 * (line breaks, control characters, spaces, characters above U+00FF); odd but sendable characters
 * are kept, and an absurd `expires_in` is clamped to {@link MAX_EXPIRES_IN_SECONDS}, never refused.
 * @throws {@link EndpointNotFoundError} when the server behind `authBaseUrl` has no `/token`.
 * @throws {@link TwitchNetworkError}, {@link TwitchBackendError}, {@link TwitchRateLimitError} when retries ran out.
 * @throws TypeError, before anything is sent, for an argument with whitespace, control characters
 * or characters above U+00FF (it could never be sent).
 *
 * @example
 * ```ts
 * declare const storedRefreshToken: string, appId: string, appSecret: string;
 * const [accessToken, refreshToken] = await refreshAccessToken(storedRefreshToken, appId, appSecret);
 * ```
 */
export function refreshAccessToken(
  refreshToken: string,
  appId: string,
  appSecret?: string | null,
  options?: HttpOptions,
): Promise<UserToken>;
/** A public client's refresh: no secret. */
export function refreshAccessToken(refreshToken: string, appId: string, options?: HttpOptions): Promise<UserToken>;
export async function refreshAccessToken(
  refreshToken: string,
  appId: string,
  appSecretOrOptions?: string | HttpOptions | null,
  maybeOptions?: HttpOptions,
): Promise<UserToken> {
  // `null` (a port of Python's None) means no secret, like `undefined`.
  const [appSecret, options] =
    appSecretOrOptions === null || appSecretOrOptions === undefined
      ? [undefined, maybeOptions]
      : typeof appSecretOrOptions === 'object'
        ? [undefined, appSecretOrOptions]
        : [appSecretOrOptions, maybeOptions];
  return requestUserToken(
    'refresh_token',
    {
      client_id: requireText(appId, 'appId'),
      client_secret: appSecret === undefined ? undefined : requireText(appSecret, 'appSecret'),
      grant_type: 'refresh_token',
      refresh_token: requireText(refreshToken, 'refreshToken'),
    },
    options,
  );
}

/**
 * Loads what a refresh will load on its first call (undici, unless `options.fetch` is given, and
 * the answer schemas), so that a caller that checked its right to spend a refresh token just
 * before sending it does not stall on module loading in between. @internal
 */
export async function prepareRefresh(options: HttpOptions): Promise<void> {
  const [{ loadUndici }, { loadWire }] = await Promise.all([
    import('../http/undici-runtime.js'),
    import('../wire/load-wire.js'),
  ]);
  await Promise.all([options.fetch === undefined ? loadUndici() : undefined, loadWire()]);
}
