import { validateToken, type TokenValidation } from '../helpers/validate-token.js';
import type { HttpOptions } from '../http/options.js';
import { checkTokenPair, toUserToken, type UserTokenData, type UserTokenPair } from './to-user-token.js';
import { UserToken } from './user-token.js';

/** Options of {@link resolveUserToken}: where to validate a pair, and for which app. */
export interface ResolveUserTokenOptions extends HttpOptions {
  /**
   * The client id the token must belong to. When given, a pair whose access token Twitch reports
   * for another app is refused with a `TypeError`. Default: not checked.
   */
  readonly appId?: string;
}

/**
 * Makes a {@link UserToken} of any token data {@link toUserToken} takes, and of the Python
 * original's `[accessToken, refreshToken]` pair, which is validated once at Twitch (`GET
 * /validate`, nothing spent) to learn its lifetime and scopes. A pair whose access token Twitch no
 * longer accepts (it expired hours ago, typically) is still taken, for its refresh token: it
 * becomes a token with a lifetime of `0` and no known scopes, so it is refreshed before its first
 * use, and the refresh tells its scopes.
 *
 * Every field is checked before anything is sent.
 *
 * @throws TypeError naming the first field that is missing or wrong, or when the token belongs to
 * another app than `appId`.
 * @throws {@link TwitchNetworkError}, {@link TwitchBackendError}, {@link TwitchRateLimitError} when
 * validating a pair failed after the retries.
 *
 * @example
 * ```ts
 * const token = await resolveUserToken([accessToken, refreshToken], { appId });
 * ```
 */
export async function resolveUserToken(
  data: UserTokenData | UserTokenPair,
  options: ResolveUserTokenOptions = {},
): Promise<UserToken> {
  if (!Array.isArray(data)) return toUserToken(data as UserTokenData);
  const [accessToken, refreshToken] = checkTokenPair(data);
  const { appId, ...http } = options;
  const sentAt = Date.now();
  const info = await validateToken(accessToken, http);
  if (info.valid && appId !== undefined && info.clientId !== appId) {
    throw new TypeError(
      `The token pair belongs to another app (client id ${info.clientId}), not to ${appId}: its refresh ` +
        'token would be refused. Pass the client id it was issued to, or log the user in again.',
    );
  }
  return tokenOfValidatedPair([accessToken, refreshToken], info, sentAt);
}

/**
 * The token a validated pair stands for: Twitch's lifetime and scopes, or (when it no longer
 * accepts the access token) a lifetime of `0` and no known scopes, so the refresh comes first and
 * tells the scopes. @internal
 */
export function tokenOfValidatedPair(
  [accessToken, refreshToken]: UserTokenPair,
  info: TokenValidation,
  sentAt: number,
): UserToken {
  return new UserToken({
    accessToken,
    refreshToken,
    expiresIn: info.valid ? info.expiresIn : 0,
    scopes: info.valid ? info.scopes : [],
    tokenType: 'bearer',
    obtainedAt: sentAt,
  });
}
