import {
  AccessToken,
  readAccessTokenFields,
  requireField,
  requireSecret,
  type AccessTokenJSON,
} from './access-token.js';

/** The plain fields of a {@link UserToken}, as `JSON.stringify` writes them. */
export interface UserTokenJSON extends AccessTokenJSON {
  /** The refresh token; a public client's works once. */
  readonly refreshToken: string;
}

/**
 * A user access token with its refresh token.
 *
 * It reads both ways: as an object (`const { accessToken, expiresIn } = token`) and, like the
 * Python original's tuple, as the pair `[accessToken, refreshToken]`. Both secrets live in private
 * fields: reading them works, printing the object never shows them (see {@link AccessToken}).
 * Plain token data (stored JSON, twurple's `AccessToken`, the pair) becomes a `UserToken` with
 * {@link toUserToken} or {@link resolveUserToken}.
 *
 * @example
 * ```ts
 * const [token, refreshToken] = await refreshAccessToken(oldRefreshToken, appId, appSecret);
 * ```
 */
export class UserToken extends AccessToken implements UserTokenJSON, Iterable<string> {
  readonly #refreshToken: string;

  constructor(fields: UserTokenJSON) {
    super(fields);
    this.#refreshToken = requireSecret(fields, 'refreshToken');
  }

  /** Spend it once: public clients' refresh tokens work only once; always keep the newest. */
  get refreshToken(): string {
    return this.#refreshToken;
  }

  /** Yields `accessToken`, then `refreshToken`, so the token destructures as the original's pair. */
  *[Symbol.iterator](): Generator<string, void, undefined> {
    yield this.accessToken;
    yield this.#refreshToken;
  }

  override toJSON(): UserTokenJSON {
    return { ...super.toJSON(), refreshToken: this.#refreshToken };
  }

  protected override redacted(): Record<string, unknown> {
    return { ...super.redacted(), refreshToken: '[redacted]' };
  }

  /**
   * Revives a token written by `JSON.stringify`. {@link toUserToken} takes more shapes.
   *
   * @throws TypeError naming the first field that is missing or of the wrong type.
   */
  static override fromJSON(json: unknown): UserToken {
    const fields = readAccessTokenFields(json);
    requireField(fields, 'refreshToken', (value) => typeof value === 'string' && value !== '', 'a non-empty string');
    return new UserToken(fields as unknown as UserTokenJSON);
  }
}
