import { InvalidTokenError } from '../errors/invalid-token-error.js';
import { callTwitch } from '../http/client.js';
import type { HttpOptions } from '../http/options.js';
import { requireText } from './require-text.js';
import { refusalDetails, refusedRequest } from './token-endpoint.js';
import { loadWire } from '../wire/load-wire.js';

/** The OpenID Connect claims Twitch returns about a user. Which are present depends on the token's scopes. */
export interface UserInfo {
  /** The user's id (`sub`). */
  readonly userId: string;
  /** The user's display login (`preferred_username`). */
  readonly login: string | undefined;
  /** The user's email; needs the `user:read:email` scope. */
  readonly email: string | undefined;
  /** Whether Twitch verified the email. */
  readonly emailVerified: boolean | undefined;
  /** The URL of the user's profile picture. */
  readonly picture: string | undefined;
  /** When the profile last changed, as Twitch's ISO 8601 string. */
  readonly updatedAt: string | undefined;
  /** Who issued the claims (`iss`), `https://id.twitch.tv/oauth2`. */
  readonly issuer: string | undefined;
  /** The client id the claims are for (`aud`). */
  readonly audience: string | readonly string[] | undefined;
  /** Every claim as Twitch sent it, snake_case, including ones not listed above. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * Gets the OpenID Connect user info for a user access token. The token needs the `openid` scope.
 *
 * Python: `get_user_info(access_token)`, which returned the raw dict (here: `claims`).
 *
 * @throws {@link InvalidTokenError} when Twitch refuses the token (expired, revoked, no `openid` scope).
 * @throws {@link EndpointNotFoundError} when the server behind `authBaseUrl` has no `/userinfo` (the twitch CLI mock-api has none).
 * @throws {@link TwitchNetworkError}, {@link TwitchBackendError}, {@link TwitchRateLimitError} when retries ran out.
 */
export async function getUserInfo(accessToken: string, options?: HttpOptions): Promise<UserInfo> {
  const reply = await callTwitch(
    { method: 'GET', path: '/userinfo', authorization: `Bearer ${requireText(accessToken, 'accessToken')}` },
    options,
  );
  if (reply.status === 200) {
    const { decodeReply, userInfoResponseSchema } = await loadWire();
    const wire = decodeReply(reply, userInfoResponseSchema);
    return {
      userId: wire.sub,
      login: wire.preferred_username,
      email: wire.email,
      emailVerified: wire.email_verified,
      picture: wire.picture,
      updatedAt: wire.updated_at,
      issuer: wire.iss,
      audience: wire.aud,
      claims: wire,
    };
  }
  const details = await refusalDetails(reply);
  if (reply.status === 401 || reply.status === 403) throw new InvalidTokenError(details);
  throw refusedRequest(details);
}
