/**
 * `twitchapi-oauth/twurple`: twurple's `AuthProvider` on this library's tokens, so that
 * `@twurple/api`'s `ApiClient` and `@twurple/chat`'s `ChatClient` run on a pool whose tokens are
 * validated hourly and refreshed exactly once, across processes with a shared store. Needs no
 * twurple package itself: the types are structural.
 *
 * @example
 * ```ts
 * import { createTwurpleAuthProvider } from 'twitchapi-oauth/twurple';
 *
 * const authProvider = createTwurpleAuthProvider(pool, { appSecret });
 * const api = new ApiClient({ authProvider });
 * ```
 *
 * @packageDocumentation
 * @module twitchapi-oauth/twurple
 */

export {
  createTwurpleAuthProvider,
  TwurpleAuthProvider,
  type TwurpleAuthProviderOptions,
} from './twurple-auth-provider.js';
export type { SourceToken, TwurpleTokenSource } from './twurple-token-source.js';
export type {
  TwurpleAccessToken,
  TwurpleAccessTokenMaybeWithUserId,
  TwurpleAccessTokenWithUserId,
  TwurpleUserIdResolvable,
  TwurpleUserLike,
} from './twurple-shapes.js';
export { ScopesNotGrantedError } from './scopes-not-granted-error.js';
// The errors' `transient` flag is documented against it; the same function as the main entry's.
export { isTransientError } from '../errors/is-transient-error.js';
