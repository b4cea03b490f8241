import { z } from 'zod';
import { AccessToken } from '../tokens/access-token.js';
import { UserToken } from '../tokens/user-token.js';
import { lifetimeField, sendableTokenField, tokenField } from './fields.js';

/**
 * Twitch's `scope` field: documented as an array, shown once as a space-delimited string, absent
 * or null for app tokens without scopes.
 */
const scopeField = z
  .union([z.array(z.string()), z.string(), z.null()])
  .optional()
  .transform((scope) => (typeof scope === 'string' ? scope.split(' ').filter(Boolean) : (scope ?? [])));

/**
 * `POST /token` answer for client credentials:
 * `{"access_token":"…","expires_in":5011271,"token_type":"bearer"}`, maybe with `scope`.
 */
export const accessTokenResponseSchema = z.object({
  access_token: tokenField,
  expires_in: lifetimeField,
  scope: scopeField,
  token_type: z.string(),
});

/**
 * `POST /token` answer for the user grants (authorization code, refresh, device code):
 * `{"access_token":"…","expires_in":14124,"refresh_token":"…","scope":["chat:read"],"token_type":"bearer"}`.
 */
export const userTokenResponseSchema = accessTokenResponseSchema.extend({
  refresh_token: tokenField,
});

/**
 * `POST /token` answer for a refresh: as {@link userTokenResponseSchema}, but the refresh token
 * sent for it is already spent, so a token is refused only when it could not be sent at all; odd
 * but sendable characters (Latin-1) are accepted rather than losing the user's authorization.
 */
export const refreshTokenResponseSchema = userTokenResponseSchema.extend({
  access_token: sendableTokenField,
  refresh_token: sendableTokenField,
});

/** The client-credentials answer as it arrives (snake_case wire type). */
export type AccessTokenResponse = z.output<typeof accessTokenResponseSchema>;
/** A user-grant answer as it arrives (snake_case wire type). */
export type UserTokenResponse = z.output<typeof userTokenResponseSchema>;

/** The public form of a client-credentials answer. */
export function toAccessToken(wire: AccessTokenResponse, obtainedAt: number): AccessToken {
  return new AccessToken({
    accessToken: wire.access_token,
    expiresIn: wire.expires_in,
    scopes: wire.scope,
    tokenType: wire.token_type,
    obtainedAt,
  });
}

/** The public form of a user-grant answer. */
export function toUserToken(wire: UserTokenResponse, obtainedAt: number): UserToken {
  return new UserToken({
    accessToken: wire.access_token,
    refreshToken: wire.refresh_token,
    expiresIn: wire.expires_in,
    scopes: wire.scope,
    tokenType: wire.token_type,
    obtainedAt,
  });
}
