import { clampExpiresIn } from './lifetime.js';

/** The plain fields of an {@link AccessToken}, as `JSON.stringify` writes them. */
export interface AccessTokenJSON {
  /** The access token, for `Authorization: Bearer …` at Helix. */
  readonly accessToken: string;
  /** Lifetime in seconds from `obtainedAt`, as Twitch sent it (clamped to 0 … {@link MAX_EXPIRES_IN_SECONDS}). */
  readonly expiresIn: number;
  /** The scopes the token carries. */
  readonly scopes: readonly string[];
  /** Twitch sends `bearer`. */
  readonly tokenType: string;
  /** When the token was requested, in epoch milliseconds. */
  readonly obtainedAt: number;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * An access token and what Twitch said about it. App access tokens (client credentials) are
 * plain `AccessToken`s; user tokens are {@link UserToken}s.
 *
 * The secret is held in a private field behind a getter: `token.accessToken` reads it, and
 * `JSON.stringify`/`toJSON()` write it (for storage), but no generic way of printing an object
 * shows it: `console.log`, `console.dir`, `console.table`, `util.inspect` (also with
 * `customInspect: false` or `showHidden`), `Object.entries` and `{ ...token }` see only the fields
 * that are not secret. (`util.inspect`'s `getters: true` runs the getter, as reading it does.)
 */
export class AccessToken implements AccessTokenJSON {
  readonly #accessToken: string;
  /** Lifetime in seconds from `obtainedAt`, clamped to 0 … {@link MAX_EXPIRES_IN_SECONDS}. */
  readonly expiresIn: number;
  /** The scopes the token carries. */
  readonly scopes: readonly string[];
  /** Twitch sends `bearer`. */
  readonly tokenType: string;
  /** When the token was requested, in epoch milliseconds. */
  readonly obtainedAt: number;

  /**
   * @param fields - The token's fields. A lifetime outside 0 … {@link MAX_EXPIRES_IN_SECONDS} is
   * clamped into it, so that `expiresAt` is always a valid date.
   */
  constructor(fields: AccessTokenJSON) {
    this.#accessToken = requireSecret(fields, 'accessToken');
    this.expiresIn = clampExpiresIn(fields.expiresIn);
    this.scopes = Object.freeze([...fields.scopes]);
    this.tokenType = fields.tokenType;
    this.obtainedAt = fields.obtainedAt;
  }

  /** The access token, for `Authorization: Bearer …` at Helix. */
  get accessToken(): string {
    return this.#accessToken;
  }

  /** When the access token expires, in epoch milliseconds. */
  get expiresAt(): number {
    return this.obtainedAt + this.expiresIn * 1000;
  }

  /**
   * Whether the access token has expired, or will within `marginMs`.
   *
   * @param marginMs - How long before the expiry to count it as expired. Default: `0`.
   * @param now - The current time in epoch milliseconds. Default: `Date.now()`.
   */
  isExpired(marginMs = 0, now: number = Date.now()): boolean {
    return now + marginMs >= this.expiresAt;
  }

  /** The plain fields, secrets included: what `JSON.stringify` writes. */
  toJSON(): AccessTokenJSON {
    return {
      accessToken: this.#accessToken,
      expiresIn: this.expiresIn,
      scopes: [...this.scopes],
      tokenType: this.tokenType,
      obtainedAt: this.obtainedAt,
    };
  }

  /** The fields `util.inspect` may show as they are. */
  protected redacted(): Record<string, unknown> {
    return { ...this.toJSON(), accessToken: '[redacted]' };
  }

  /** @internal */
  [INSPECT](_depth: number, options: object, inspect: (value: unknown, options: object) => string): string {
    return `${this.constructor.name} ${inspect(this.redacted(), options)}`;
  }

  /**
   * Revives a token written by `JSON.stringify`.
   *
   * @throws TypeError naming the first field that is missing or of the wrong type.
   */
  static fromJSON(json: unknown): AccessToken {
    return new AccessToken(readAccessTokenFields(json));
  }
}

/**
 * A secret field of the constructor's argument, which must be a non-empty string. A common way to
 * lose it is `{ ...token }`: a spread does not copy a token's secrets, so the message says so.
 * @internal
 */
export function requireSecret(fields: object, name: 'accessToken' | 'refreshToken'): string {
  const value: unknown = (fields as Record<string, unknown>)[name];
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(
      `A token's "${name}" must be a non-empty string; it is ${value === '' ? 'empty' : typeof value}. ` +
        `A spread ({ ...token }) does not copy a token's secrets: build new fields from token.toJSON().`,
    );
  }
  return value;
}

/**
 * Checks the fields every token has, for `fromJSON`. A lifetime that is negative or too large is
 * read (and clamped by the constructor), not refused: refusing would lose a stored refresh token.
 * @internal
 */
export function readAccessTokenFields(json: unknown): AccessTokenJSON & Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TypeError('A stored token must be an object as written by JSON.stringify(token).');
  }
  const fields = json as Record<string, unknown>;
  requireField(fields, 'accessToken', (value) => typeof value === 'string' && value !== '', 'a non-empty string');
  requireField(fields, 'expiresIn', (value) => typeof value === 'number' && !Number.isNaN(value), 'a number');
  requireField(
    fields,
    'scopes',
    (value) => Array.isArray(value) && value.every((scope) => typeof scope === 'string'),
    'an array of strings',
  );
  requireField(fields, 'tokenType', (value) => typeof value === 'string', 'a string');
  requireField(fields, 'obtainedAt', (value) => typeof value === 'number' && Number.isFinite(value), 'a number');
  return fields as AccessTokenJSON & Record<string, unknown>;
}

/** @internal */
export function requireField(
  fields: Record<string, unknown>,
  name: string,
  isValid: (value: unknown) => boolean,
  expected: string,
): void {
  if (!isValid(fields[name])) {
    throw new TypeError(`A stored token's "${name}" must be ${expected}; the stored value is not.`);
  }
}
