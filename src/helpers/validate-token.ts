import { callTwitch } from '../http/client.js';
import type { HttpOptions } from '../http/options.js';
import { requireText } from './require-text.js';
import { refusalDetails, refusedRequest } from './token-endpoint.js';
import { loadWire } from '../wire/load-wire.js';

/** What Twitch says about a valid token. */
export interface ValidTokenInfo {
  /** Always `true` here. */
  readonly valid: true;
  /** The client id of the app the token was issued to. */
  readonly clientId: string;
  /** The user's login name; `null` for app tokens. */
  readonly login: string | null;
  /** The user's id; `null` for app tokens. */
  readonly userId: string | null;
  /** The scopes the token carries. */
  readonly scopes: readonly string[];
  /** Seconds until the token expires. */
  readonly expiresIn: number;
}

/** Twitch's answer for an invalid (expired, revoked, unknown) token. */
export interface InvalidTokenInfo {
  /** Always `false` here. */
  readonly valid: false;
  /** Twitch's status: 401. */
  readonly status: 401;
  /** Twitch's message, e.g. `invalid access token`. */
  readonly message: string;
}

/** The result of {@link validateToken}: check `valid` first. */
export type TokenValidation = ValidTokenInfo | InvalidTokenInfo;

/**
 * Asks Twitch whether an access token (user or app) is valid. Twitch requires apps to do this at
 * start-up and then every hour (a `TokenManager` does it for you).
 *
 * Like the Python original, an invalid token is an answer, not an error: `{ valid: false, status:
 * 401, message }`. Network failures and Twitch outages do throw, since they say nothing about the token.
 *
 * Python: `validate_token(access_token)`.
 *
 * @throws {@link EndpointNotFoundError} when the server behind `authBaseUrl` has no `/validate`.
 * @throws {@link TwitchNetworkError}, {@link TwitchBackendError}, {@link TwitchRateLimitError} when retries ran out.
 *
 * @example
 * ```ts
 * declare const accessToken: string, refresh: () => Promise<void>;
 * const info = await validateToken(accessToken);
 * if (!info.valid) await refresh();
 * ```
 */
export async function validateToken(accessToken: string, options?: HttpOptions): Promise<TokenValidation> {
  const reply = await callTwitch(
    { method: 'GET', path: '/validate', authorization: `OAuth ${requireText(accessToken, 'accessToken')}` },
    options,
  );
  if (reply.status === 200) {
    const { decodeReply, validateResponseSchema } = await loadWire();
    const wire = decodeReply(reply, validateResponseSchema);
    return {
      valid: true,
      clientId: wire.client_id,
      login: wire.login ?? null,
      userId: wire.user_id ?? null,
      scopes: wire.scopes ?? [],
      expiresIn: wire.expires_in,
    };
  }
  const details = await refusalDetails(reply);
  // The twitch CLI's mock answers 401 with an empty body.
  if (reply.status === 401)
    return { valid: false, status: 401, message: details.twitchMessage ?? 'invalid access token' };
  throw refusedRequest(details);
}
