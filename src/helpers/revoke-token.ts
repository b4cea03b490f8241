import { EndpointNotFoundError } from '../errors/endpoint-not-found-error.js';
import { callTwitch } from '../http/client.js';
import type { HttpOptions } from '../http/options.js';
import { requireText } from './require-text.js';
import { refusalDetails, refusedRequest } from './token-endpoint.js';

/**
 * Revokes an access token (user or app), e.g. when a user logs out. Revoking a user's access
 * token also ends its refresh token.
 *
 * Python: `revoke_token(client_id, access_token)`.
 *
 * @param clientId - The client id of the app the token belongs to.
 * @param accessToken - The token to revoke.
 * @returns `true` when Twitch revoked it; `false` when Twitch did not know the token (400, already
 * revoked or expired) or the client (404 with Twitch's body, `client does not exist`).
 * @throws {@link EndpointNotFoundError} when the server behind `authBaseUrl` has no `/revoke` (a 404
 * without Twitch's body, as from the twitch CLI's mock-api): that says nothing about the token.
 * @throws {@link TwitchNetworkError}, {@link TwitchBackendError}, {@link TwitchRateLimitError} when retries ran
 * out; {@link TwitchAPIError} for any other refusal.
 */
export async function revokeToken(clientId: string, accessToken: string, options?: HttpOptions): Promise<boolean> {
  const reply = await callTwitch(
    {
      method: 'POST',
      path: '/revoke',
      // A repeat after a lost answer would report the revoked token as unknown (false).
      idempotent: false,
      form: { client_id: requireText(clientId, 'clientId'), token: requireText(accessToken, 'accessToken') },
    },
    options,
  );
  if (reply.status === 200) return true;
  const details = await refusalDetails(reply);
  if (details.endpointMissing) throw new EndpointNotFoundError(details);
  if (reply.status === 400 || reply.status === 404) return false;
  throw refusedRequest(details);
}
