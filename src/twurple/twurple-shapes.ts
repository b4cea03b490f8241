/**
 * twurple's own shapes, declared here so that this subpath needs no twurple package at run time or
 * for its types. They match `@twurple/auth` 8 structurally; the tests assign the adapter to
 * twurple's `AuthProvider` to keep it that way.
 */

/** An object standing for a user, such as twurple's `HelixUser`. */
export interface TwurpleUserLike {
  /** The Twitch user id. */
  readonly id: string;
}

/** A user as twurple names one: the id, as a string or a number, or an object with an `id`. */
export type TwurpleUserIdResolvable = string | number | TwurpleUserLike;

/** twurple's `AccessToken`: what its API and chat clients read from an auth provider. */
export interface TwurpleAccessToken {
  /** The access token. */
  accessToken: string;
  /**
   * The refresh token. Always `null` from this adapter: refresh tokens are spent by the pool alone
   * (a second spender would break the exactly-once refresh), so twurple never sees them.
   */
  refreshToken: string | null;
  /** The scopes the token carries. */
  scope: string[];
  /** Lifetime in seconds from `obtainmentTimestamp`; `null` when unknown. */
  expiresIn: number | null;
  /** When the token was obtained, in epoch milliseconds. */
  obtainmentTimestamp: number;
}

/** twurple's `AccessTokenWithUserId`: a user token and whose it is. */
export interface TwurpleAccessTokenWithUserId extends TwurpleAccessToken {
  /** The Twitch user id of the token's owner. */
  userId: string;
}

/** twurple's `AccessTokenMaybeWithUserId`: a user token, or an app token (no `userId`). */
export interface TwurpleAccessTokenMaybeWithUserId extends TwurpleAccessToken {
  /** The Twitch user id of the token's owner; absent for an app token. */
  userId?: string;
}
