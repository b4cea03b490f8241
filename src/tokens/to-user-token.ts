import { clampExpiresIn } from './lifetime.js';
import { isSendable } from './token-text.js';
import { UserToken, type UserTokenJSON } from './user-token.js';

/**
 * twurple's `AccessToken` (from `@twurple/auth`), as `RefreshingAuthProvider` hands it to
 * `onRefresh` and as bots store it. `expiresIn: null` means twurple does not know the lifetime.
 */
export interface TwurpleAccessTokenData {
  /** The access token. */
  readonly accessToken: string;
  /** The refresh token; `null` for tokens that cannot be refreshed, which a {@link UserToken} cannot hold. */
  readonly refreshToken: string | null;
  /** The scopes. */
  readonly scope: readonly string[];
  /** Lifetime in seconds from `obtainmentTimestamp`, or `null` when unknown. */
  readonly expiresIn: number | null;
  /** When the token was obtained, in epoch milliseconds. */
  readonly obtainmentTimestamp: number;
}

/** A {@link UserToken}'s plain JSON fields, `tokenType` optional (`bearer` is meant). */
export type UserTokenFields = Omit<UserTokenJSON, 'tokenType'> & {
  /** Twitch sends `bearer`. Default: `bearer`. */
  readonly tokenType?: string;
};

/**
 * Token data that {@link toUserToken} takes as it is: a {@link UserToken}, its plain JSON fields
 * (what `JSON.stringify(token)` wrote; `tokenType` may be left out), or twurple's `AccessToken`.
 */
export type UserTokenData = UserToken | UserTokenFields | TwurpleAccessTokenData;

/** The Python original's `(access_token, refresh_token)` pair, as an array. */
export type UserTokenPair = readonly [accessToken: string, refreshToken: string];

/**
 * Makes a {@link UserToken} of plain token data, checking every field first, so that bad data is
 * refused before anything is spent:
 *
 * - a `UserToken` is returned as it is;
 * - its plain JSON fields (`accessToken, refreshToken, expiresIn, scopes, tokenType, obtainedAt`;
 *   `tokenType` may be left out, `bearer` is meant);
 * - twurple's `AccessToken` (`accessToken, refreshToken, scope, expiresIn, obtainmentTimestamp`):
 *   an `expiresIn` of `null` (unknown) becomes `0`, so the token counts as expired and is
 *   validated or refreshed before its first use.
 *
 * A lifetime below 0 becomes 0, one above {@link MAX_EXPIRES_IN_SECONDS} is clamped to it. The
 * `[accessToken, refreshToken]` pair carries neither lifetime nor scopes: pass it to
 * {@link resolveUserToken}, which asks Twitch once.
 *
 * @throws TypeError naming the first field that is missing or wrong (never quoting its value).
 *
 * @example
 * ```ts
 * const token = toUserToken(JSON.parse(await readFile('token.json', 'utf8')));
 * ```
 */
export function toUserToken(data: UserTokenData): UserToken {
  // Typed for callers; checked as the unknown it may be (parsed JSON, a JavaScript caller).
  const input: unknown = data;
  if (input instanceof UserToken) return input;
  if (Array.isArray(input)) {
    throw new TypeError(
      'An [accessToken, refreshToken] pair carries no lifetime or scopes: pass it to resolveUserToken(), ' +
        'which validates it once at Twitch to learn them.',
    );
  }
  if (typeof input !== 'object' || input === null) {
    throw new TypeError(
      `Token data must be a UserToken, its JSON fields, twurple's AccessToken or an [accessToken, refreshToken] pair; got ${describe(input)}.`,
    );
  }
  const fields = input as Record<string, unknown>;
  return isTwurpleShape(fields) ? fromTwurple(fields) : fromOwnFields(fields);
}

/** twurple names its fields `scope` and `obtainmentTimestamp`; this library `scopes` and `obtainedAt`. */
function isTwurpleShape(fields: Record<string, unknown>): boolean {
  return 'obtainmentTimestamp' in fields || ('scope' in fields && !('scopes' in fields));
}

function fromOwnFields(fields: Record<string, unknown>): UserToken {
  const tokenType = fields['tokenType'] ?? 'bearer';
  if (typeof tokenType !== 'string') throw fieldError('tokenType', 'a string such as "bearer"', tokenType);
  return new UserToken({
    accessToken: tokenField(fields, 'accessToken'),
    refreshToken: tokenField(fields, 'refreshToken'),
    expiresIn: lifetimeField(fields, 'expiresIn'),
    scopes: scopesField(fields, 'scopes'),
    tokenType,
    obtainedAt: timestampField(fields, 'obtainedAt'),
  });
}

function fromTwurple(fields: Record<string, unknown>): UserToken {
  if (fields['refreshToken'] === null) {
    throw new TypeError(
      'Token data\'s "refreshToken" is null: twurple keeps tokens that cannot be refreshed (app tokens, ' +
        'implicit-flow tokens), and a UserToken needs a refresh token. Log the user in to get one.',
    );
  }
  return new UserToken({
    accessToken: tokenField(fields, 'accessToken'),
    refreshToken: tokenField(fields, 'refreshToken'),
    expiresIn: fields['expiresIn'] === null ? 0 : lifetimeField(fields, 'expiresIn'),
    scopes: scopesField(fields, 'scope'),
    tokenType: 'bearer',
    obtainedAt: timestampField(fields, 'obtainmentTimestamp'),
  });
}

/** Checks a token pair's items, before anything is sent. @internal */
export function checkTokenPair(pair: readonly unknown[]): UserTokenPair {
  if (pair.length !== 2) {
    throw new TypeError(
      `A token pair must be [accessToken, refreshToken]; got an array of ${String(pair.length)} items.`,
    );
  }
  const [accessToken, refreshToken] = pair;
  return [
    tokenField({ accessToken }, 'accessToken', " (the pair's first item)"),
    tokenField({ refreshToken }, 'refreshToken', " (the pair's second item)"),
  ];
}

function tokenField(fields: Record<string, unknown>, name: string, where = ''): string {
  const value = fields[name];
  if (typeof value !== 'string' || value === '') throw fieldError(name, 'a non-empty string', value, where);
  if (!isSendable(value)) {
    throw new TypeError(
      `Token data's "${name}"${where} must not contain spaces, line breaks, control characters or characters ` +
        'above U+00FF; Twitch tokens are letters and digits. Check how it was stored.',
    );
  }
  return value;
}

function lifetimeField(fields: Record<string, unknown>, name: string): number {
  const value = fields[name];
  if (typeof value !== 'number' || Number.isNaN(value)) throw fieldError(name, 'a number of seconds', value);
  return clampExpiresIn(value);
}

function scopesField(fields: Record<string, unknown>, name: string): string[] {
  const value = fields[name];
  if (!Array.isArray(value) || !value.every((scope) => typeof scope === 'string')) {
    throw fieldError(name, 'an array of scope strings', value);
  }
  return value;
}

function timestampField(fields: Record<string, unknown>, name: string): number {
  const value = fields[name];
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw fieldError(name, 'a time in epoch milliseconds', value);
  return value;
}

function fieldError(name: string, expected: string, value: unknown, where = ''): TypeError {
  const found = value === undefined ? 'it is missing' : `it is ${describe(value)}`;
  return new TypeError(`Token data's "${name}"${where} must be ${expected}; ${found}.`);
}

/** The kind of a value, never the value: it may be a secret. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : 'a number';
  return `a ${typeof value}`;
}
