/**
 * twitchapi-oauth: Twitch user tokens for Node.js, a TypeScript port of pyTwitchAPI's
 * `twitchAPI.oauth`.
 *
 * Importing this module does no I/O and loads neither undici nor zod: each is loaded on the first
 * call that needs it.
 *
 * @packageDocumentation
 */

// Scopes
export { AuthScope, type ScopeLike } from './scopes.js';

// Tokens
export { AccessToken, type AccessTokenJSON } from './tokens/access-token.js';
export { UserToken, type UserTokenJSON } from './tokens/user-token.js';

// Stand-alone helpers
export { refreshAccessToken } from './helpers/refresh-access-token.js';
export {
  validateToken,
  type InvalidTokenInfo,
  type TokenValidation,
  type ValidTokenInfo,
} from './helpers/validate-token.js';
export { revokeToken } from './helpers/revoke-token.js';
export { getUserInfo, type UserInfo } from './helpers/get-user-info.js';
export { getAppAccessToken } from './helpers/get-app-access-token.js';

// Options every call to Twitch accepts
export {
  TWITCH_AUTH_BASE_URL,
  type FetchInit,
  type FetchLike,
  type HttpOptions,
  type ResponseLike,
  type RetryOptions,
} from './http/options.js';

// Errors
export { TwitchAPIError, type TwitchAPIErrorDetails } from './errors/twitch-api-error.js';
export { InvalidRefreshTokenError } from './errors/invalid-refresh-token-error.js';
export { UnauthorizedError } from './errors/unauthorized-error.js';
export { InvalidTokenError } from './errors/invalid-token-error.js';
export { TwitchBackendError, type TwitchBackendErrorDetails } from './errors/twitch-backend-error.js';
export { TwitchRateLimitError, type TwitchRateLimitErrorDetails } from './errors/twitch-rate-limit-error.js';
export { TwitchNetworkError, type TwitchNetworkErrorDetails } from './errors/twitch-network-error.js';
export { UnexpectedResponseError, type UnexpectedResponseErrorDetails } from './errors/unexpected-response-error.js';
export { isTransientError } from './errors/is-transient-error.js';

export { VERSION } from './version.js';
