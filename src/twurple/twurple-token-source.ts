/** The parts of a token the adapter hands to twurple; a `UserToken` has them all. */
export interface SourceToken {
  /** The access token. */
  readonly accessToken: string;
  /** The scopes the token carries. */
  readonly scopes: readonly string[];
  /** Lifetime in seconds from `obtainedAt`. */
  readonly expiresIn: number;
  /** When the token was obtained, in epoch milliseconds. */
  readonly obtainedAt: number;
}

/**
 * What {@link createTwurpleAuthProvider} needs from a pool of user tokens: a `TokenPool` has it.
 * Any object of this shape works, e.g. a few `TokenManager`s in a map.
 */
export interface TwurpleTokenSource {
  /** The app's client id: the auth provider's `clientId`. */
  readonly appId: string;
  /** Whether the pool holds the user. */
  hasUser(userId: string): boolean;
  /**
   * The token held for a user right now, without I/O (twurple asks for a user's scopes
   * synchronously); `undefined` when none is held at the moment.
   */
  currentTokenForUser(userId: string): SourceToken | undefined;
  /** A token of the user that works now: the held one while fresh, else a refreshed one. */
  getTokenForUser(userId: string): Promise<SourceToken>;
  /**
   * Refreshes the user's token after Helix refused one. Single-flight: when `rejectedAccessToken`
   * is given and the user's token has moved on from it, resolves with the newer token without a
   * refresh.
   */
  refreshForUser(userId: string, rejectedAccessToken?: string): Promise<SourceToken>;
  /** The user an intent (e.g. `'chat'`) was given to, or `undefined`. */
  userIdForIntent(intent: string): string | undefined;
}
