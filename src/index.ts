/**
 * twitchapi-oauth: Twitch user tokens for Node.js, a TypeScript port of pyTwitchAPI's
 * `twitchAPI.oauth`.
 *
 * Importing this module does no I/O and loads neither undici nor zod: each is loaded on the first
 * call that needs it.
 *
 * @packageDocumentation
 * @module twitchapi-oauth
 */

// Scopes
export { AuthScope, type ScopeLike } from './scopes.js';

// Tokens
export { AccessToken, type AccessTokenJSON } from './tokens/access-token.js';
export { UserToken, type UserTokenJSON } from './tokens/user-token.js';
export {
  toUserToken,
  type TwurpleAccessTokenData,
  type UserTokenData,
  type UserTokenFields,
  type UserTokenPair,
} from './tokens/to-user-token.js';
export { resolveUserToken, type ResolveUserTokenOptions } from './tokens/resolve-user-token.js';
export { MAX_EXPIRES_IN_SECONDS } from './tokens/lifetime.js';

// Browser login (authorization code flow)
export {
  UserAuthenticator,
  type AppCredentials,
  type AuthenticateOptions,
  type CallbackModeOptions,
  type UserAuthenticatorOptions,
} from './auth/user-authenticator.js';
export type { CustomPage, FailurePageInfo, SuccessPageInfo } from './auth/pages.js';

// Device login (device code flow): no browser on this machine, public clients
export {
  DeviceCodeFlow,
  type DeviceCodeFlowOptions,
  type DevicePoll,
  type WaitForAuthOptions,
} from './device/device-code-flow.js';
export { DeviceCode, type DeviceCodeFields } from './device/device-code.js';

// Keeping tokens alive: one user (TokenManager) or many (TokenPool), on a store shared by processes
export { TokenManager, type StartOptions, type TokenManagerOptions } from './manager/token-manager.js';
export { TokenPool, type AddUserOptions, type TokenPoolOptions } from './manager/token-pool.js';
export type { TimingOptions } from './manager/timing-options.js';
export { systemClock, type Clock } from './manager/clock.js';
export {
  UserAuthenticationStorageHelper,
  type AuthGenerator,
  type StorageHelperOptions,
} from './manager/storage-helper.js';
export type {
  LockOptions,
  SendingMark,
  SpendMark,
  TokenLease,
  TokenRecord,
  TokenStore,
  WriteOutcome,
} from './store/token-store.js';
export { MemoryTokenStore } from './store/memory-token-store.js';
export { FileTokenStore, type FileTokenStoreOptions } from './store/file-token-store.js';

// Using the tokens: a fetch for Helix that authorizes itself (twurple's AuthProvider: 'twitchapi-oauth/twurple')
export {
  authorizedFetch,
  createAuthorizedFetch,
  userFetchSource,
  type AuthorizedFetch,
  type AuthorizedFetchInput,
  type AuthorizedFetchOptions,
  type AuthorizedFetchSource,
} from './fetch/authorized-fetch.js';

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
export { exchangeCode } from './helpers/exchange-code.js';

// A debug hook for logins and the storage helper (never given a secret)
export type { Logger } from './log/logger.js';

// Options every call to Twitch accepts
export {
  TWITCH_AUTH_BASE_URL,
  type ClientHttpOptions,
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
export { EndpointNotFoundError, type EndpointNotFoundErrorDetails } from './errors/endpoint-not-found-error.js';
export { AuthorizationError, type AuthorizationErrorDetails } from './errors/authorization-error.js';
export { StateMismatchError, type StateMismatchReason } from './errors/state-mismatch-error.js';
export { AuthorizationDeniedError } from './errors/authorization-denied-error.js';
export { RedirectMismatchError } from './errors/redirect-mismatch-error.js';
export { CodeExchangeError } from './errors/code-exchange-error.js';
export { ListenerError, type ListenerErrorDetails } from './errors/listener-error.js';
export { AuthorizationTimeoutError } from './errors/authorization-timeout-error.js';
export { AuthorizationCancelledError } from './errors/authorization-cancelled-error.js';
export { AuthenticationInProgressError } from './errors/authentication-in-progress-error.js';
export { DeviceCodeExpiredError } from './errors/device-code-expired-error.js';
export { ReauthenticationRequiredError } from './errors/reauthentication-required-error.js';
export { MissingScopeError } from './errors/missing-scope-error.js';
export { UnknownUserError } from './errors/unknown-user-error.js';
export { TokenStoreError } from './errors/token-store-error.js';
export { TokenStoreUnavailableError } from './errors/token-store-unavailable-error.js';
export { isTransientError } from './errors/is-transient-error.js';

export { VERSION } from './version.js';
