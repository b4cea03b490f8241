import { requireText } from '../helpers/require-text.js';
import { httpOptionsOf, type ClientHttpOptions } from '../http/options.js';
import { AppTokenCache } from './app-token-cache.js';
import { ScopesNotGrantedError } from './scopes-not-granted-error.js';
import type {
  TwurpleAccessToken,
  TwurpleAccessTokenMaybeWithUserId,
  TwurpleAccessTokenWithUserId,
  TwurpleUserIdResolvable,
} from './twurple-shapes.js';
import type { SourceToken, TwurpleTokenSource } from './twurple-token-source.js';

/** Options of {@link createTwurpleAuthProvider}; every one has a default. */
export interface TwurpleAuthProviderOptions extends ClientHttpOptions {
  /**
   * The app's client secret, for app access tokens (client credentials): twurple uses one for
   * calls made for no user, or for a user the pool does not hold. Default: none; such calls then
   * fail with a `TypeError` saying to pass it.
   */
  readonly appSecret?: string;
}

/**
 * twurple's `AuthProvider` (`@twurple/auth` 8) on the tokens of a pool: `new ApiClient({
 * authProvider })` and `new ChatClient({ authProvider, channels })` use this library's tokens, kept
 * fresh, validated hourly and refreshed exactly once across processes by the pool.
 *
 * - User tokens come from the pool (refreshed first when due); refresh tokens stay there.
 * - After Helix refused a token, twurple asks for a refresh: the pool refreshes unless the token
 *   given out last has already been replaced, so a burst of 401s causes one refresh.
 * - App tokens (with `appSecret`) are fetched once and reused until shortly before they expire.
 */
export class TwurpleAuthProvider {
  /** The app's client id. */
  readonly clientId: string;
  /** Whether an app secret was given, so app tokens can be had. */
  readonly hasClientSecret: boolean;

  readonly #source: TwurpleTokenSource;
  readonly #appTokens: AppTokenCache | undefined;
  /** Per user, the access token last given to twurple for a call: the one its next 401 is about. */
  readonly #handedOut = new Map<string, string>();
  /** When `#handedOut` grows to this size, users the pool no longer holds are dropped from it. */
  #sweepAt = MIN_SWEEP_SIZE;

  /**
   * @param source - The pool (or any {@link TwurpleTokenSource}).
   * @param options - See {@link TwurpleAuthProviderOptions}.
   */
  constructor(source: TwurpleTokenSource, options: TwurpleAuthProviderOptions = {}) {
    this.#source = source;
    this.clientId = requireText(source.appId, 'appId');
    this.hasClientSecret = options.appSecret !== undefined;
    this.#appTokens =
      options.appSecret === undefined
        ? undefined
        : new AppTokenCache(this.clientId, requireText(options.appSecret, 'appSecret'), httpOptionsOf(options));
  }

  /**
   * The scopes of the user's token as held now (none while no token is held, e.g. before the pool
   * loaded it).
   *
   * @throws TypeError when the pool holds no such user.
   */
  getCurrentScopesForUser(user: TwurpleUserIdResolvable): string[] {
    const userId = userIdOf(user);
    if (!this.#source.hasUser(userId)) throw unknownUser(userId);
    return [...(this.#source.currentTokenForUser(userId)?.scopes ?? [])];
  }

  /**
   * A fresh token of the user, or `null` when the pool holds no such user.
   *
   * @param scopeSets - Each set lists alternatives; the token must carry one scope of every set.
   * @throws {@link ScopesNotGrantedError} when it does not (a token cannot gain scopes: the user must log in again).
   */
  async getAccessTokenForUser(
    user: TwurpleUserIdResolvable,
    ...scopeSets: (readonly string[] | undefined)[]
  ): Promise<TwurpleAccessTokenWithUserId | null> {
    const userId = userIdOf(user);
    if (!this.#source.hasUser(userId)) {
      this.#handedOut.delete(userId);
      return null;
    }
    const token = await this.#source.getTokenForUser(userId);
    requireScopes(userId, token.scopes, scopeSets);
    this.#remember(userId, token.accessToken);
    return twurpleUserToken(token, userId);
  }

  /**
   * A fresh token of the user who holds the intent (e.g. `'chat'` for twurple's chat client), or
   * `null` when nobody does.
   */
  async getAccessTokenForIntent(
    intent: string,
    ...scopeSets: (readonly string[] | undefined)[]
  ): Promise<TwurpleAccessTokenWithUserId | null> {
    const userId = this.#source.userIdForIntent(intent);
    return userId === undefined ? null : this.getAccessTokenForUser(userId, ...scopeSets);
  }

  /**
   * For calls that take a user or an app token: the user's when the pool holds the user, else the
   * app token.
   *
   * @throws TypeError when an app token is needed and no `appSecret` was given.
   */
  async getAnyAccessToken(user?: TwurpleUserIdResolvable): Promise<TwurpleAccessTokenMaybeWithUserId> {
    if (user !== undefined) {
      const token = await this.getAccessTokenForUser(user);
      if (token !== null) return token;
    }
    return this.getAppAccessToken();
  }

  /**
   * Refreshes the user's token after Helix refused it, and returns the new one. When the token
   * given out last was already replaced (another call's 401 refreshed it), returns the newer
   * token without another refresh.
   *
   * @throws TypeError when the pool holds no such user.
   * @throws the pool's error, e.g. `ReauthenticationRequiredError` when the user must log in again.
   */
  async refreshAccessTokenForUser(user: TwurpleUserIdResolvable): Promise<TwurpleAccessTokenWithUserId> {
    const userId = userIdOf(user);
    if (!this.#source.hasUser(userId)) {
      this.#handedOut.delete(userId);
      throw unknownUser(userId);
    }
    const token = await this.#source.refreshForUser(userId, this.#handedOut.get(userId));
    return twurpleUserToken(token, userId);
  }

  /**
   * {@link refreshAccessTokenForUser} for the user who holds the intent.
   *
   * @throws TypeError when nobody holds the intent.
   */
  async refreshAccessTokenForIntent(intent: string): Promise<TwurpleAccessTokenWithUserId> {
    const userId = this.#source.userIdForIntent(intent);
    if (userId === undefined) {
      throw new TypeError(
        `No user of the pool holds the intent "${intent}"; give it with pool.addUser(token, { intents }).`,
      );
    }
    return this.refreshAccessTokenForUser(userId);
  }

  /** How many users' last handed-out tokens are remembered (bounded by twice the pool's users, or so). @internal */
  get rememberedUsers(): number {
    return this.#handedOut.size;
  }

  /**
   * Remembers the token handed out for a call. Users removed from the pool would otherwise stay
   * here forever: whenever the map has doubled since the last sweep, they are dropped.
   */
  #remember(userId: string, accessToken: string): void {
    this.#handedOut.set(userId, accessToken);
    if (this.#handedOut.size < this.#sweepAt) return;
    for (const known of this.#handedOut.keys()) {
      if (!this.#source.hasUser(known)) this.#handedOut.delete(known);
    }
    this.#sweepAt = Math.max(MIN_SWEEP_SIZE, this.#handedOut.size * 2);
  }

  /**
   * The app access token, fetched once and reused until shortly before it expires.
   *
   * @param forceNew - After Helix refused it: fetch a new one (once, however many calls were refused).
   * @throws TypeError when no `appSecret` was given.
   */
  async getAppAccessToken(forceNew = false): Promise<TwurpleAccessToken> {
    if (this.#appTokens === undefined) {
      throw new TypeError(
        'This call needs an app access token, and app tokens need the client secret: pass ' +
          'createTwurpleAuthProvider(pool, { appSecret }).',
      );
    }
    return twurpleToken(await this.#appTokens.get(forceNew));
  }
}

/**
 * twurple's `AuthProvider` on the tokens of a pool; see {@link TwurpleAuthProvider}.
 *
 * @example
 * ```ts
 * const authProvider = createTwurpleAuthProvider(pool, { appSecret });
 * const api = new ApiClient({ authProvider });
 * const chat = new ChatClient({ authProvider, channels: ['twitchdev'] });
 * ```
 */
export function createTwurpleAuthProvider(
  source: TwurpleTokenSource,
  options: TwurpleAuthProviderOptions = {},
): TwurpleAuthProvider {
  return new TwurpleAuthProvider(source, options);
}

/** Below this many remembered users, none are swept. */
const MIN_SWEEP_SIZE = 1024;

/** twurple's `extractUserId`. */
function userIdOf(user: TwurpleUserIdResolvable): string {
  if (typeof user === 'string') return user;
  if (typeof user === 'number') return user.toString(10);
  return user.id;
}

function unknownUser(userId: string): TypeError {
  return new TypeError(`The pool holds no user ${userId}; add the user with pool.addUser(token) first.`);
}

function requireScopes(
  userId: string,
  granted: readonly string[],
  scopeSets: readonly (readonly string[] | undefined)[],
): void {
  for (const alternatives of scopeSets) {
    if (alternatives === undefined || alternatives.length === 0) continue;
    if (!alternatives.some((scope) => granted.includes(scope))) throw new ScopesNotGrantedError(userId, alternatives);
  }
}

/** A token as twurple holds it; twurple never sees a refresh token (refreshes go through the pool). */
function twurpleToken(token: SourceToken): TwurpleAccessToken {
  return {
    accessToken: token.accessToken,
    refreshToken: null,
    scope: [...token.scopes],
    expiresIn: token.expiresIn,
    obtainmentTimestamp: token.obtainedAt,
  };
}

function twurpleUserToken(token: SourceToken, userId: string): TwurpleAccessTokenWithUserId {
  return { ...twurpleToken(token), userId };
}
